using System.Runtime.CompilerServices;
using System.Text.Json;
using CniNet.Model.Resources;
using Microsoft.Data.Sqlite;

namespace CniNet.Datastore.Sqlite;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode, shared safely by every process on the node (the CNI
/// executables run concurrently). Revisions come from one counter bumped per commit, as etcd does; writes run in
/// <c>BEGIN IMMEDIATE</c> transactions so two writers never both read a revision and both succeed.
/// Like etcd's MVCC store, every version is written once, to <c>history</c> (which watches replay), and an object row
/// only points at its current version: a write costs one copy of the value, not two. Compaction drops old versions
/// but never an object's current one.
/// <para>
/// Reads are served from memory where SQLite proves nothing changed: <c>PRAGMA data_version</c> moves only when another
/// connection commits, and this connection's own commits update what it remembers. A warm allocation therefore reads
/// only what it has never seen (the new pod's handle), not the pools, settings, node and affinities again.
/// </para>
/// </summary>
public sealed class SqliteDatastore : IDatastore
{
    /// <summary>Where the embedded store lives unless <c>SQLITE_PATH</c> or the netconf says otherwise.</summary>
    public const string DefaultPath = "/var/lib/cninet/cninet.db";

    private const int BusyTimeoutMs = 30_000;
    private static readonly TimeSpan WatchPollInterval = TimeSpan.FromMilliseconds(50);

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly long _retainedRevisions;
    private readonly SqliteCommand _get, _head, _list, _listNs, _listPrefix, _revision, _bumpRevision, _insert, _update, _delete, _event,
        _eventOverCurrent, _events, _compacted, _beginRead, _beginWrite, _end, _rollback;
    private readonly Dictionary<ResourceKey, KvEntry?> _knownObjects = [];
    private readonly Dictionary<ListOp, KvEntry[]> _knownLists = [];
    private long _knownDataVersion = -1;
    private long _roundTrips;

    /// <summary>Bounds the objects remembered between reads (about a block's value each at most); full means start over.</summary>
    private const int KnownObjectsCapacity = 4096;

    private const int KnownListsCapacity = 256;

    /// <summary>
    /// A connection that has committed this many times hands checkpoints to a <see cref="WalCheckpointer"/>; a process
    /// that commits once or twice (a CNI plugin) never starts one and checkpoints inline as SQLite does by default.
    /// </summary>
    private const int CommitsPerBackgroundCheckpoint = 256;

    /// <summary>
    /// With a checkpointer, the connection's own autocheckpoint stays as a bound: it only finishes what the checkpointer
    /// left (a busy writer keeps appending while a pass runs, so the WAL never restarts without it).
    /// </summary>
    private const int FallbackAutocheckpointPages = 40_000;

    private WalCheckpointer? _checkpointer;
    private bool _checkpointerFailed;
    private int _commitsSinceCheckpoint;

    static SqliteDatastore() => SQLitePCL.Batteries_V2.Init();

    private SqliteDatastore(SqliteConnection connection, long retainedRevisions)
    {
        _connection = connection;
        _retainedRevisions = retainedRevisions;
        const string current = "SELECT o.ns, o.name, o.rev, o.uid, o.created, h.value, o.labels FROM objects o JOIN history h ON h.id = o.version";
        _get = Command("SELECT o.rev, o.uid, o.created, h.value FROM objects o JOIN history h ON h.id = o.version WHERE o.kind = $kind AND o.ns = $ns AND o.name = $name");
        _head = Command("SELECT rev, uid, created FROM objects WHERE kind = $kind AND ns = $ns AND name = $name");
        _list = Command(current + " WHERE o.kind = $kind ORDER BY o.ns, o.name");
        _listNs = Command(current + " WHERE o.kind = $kind AND o.ns = $ns ORDER BY o.name");
        _listPrefix = Command(current + " WHERE o.kind = $kind AND o.name >= $low AND o.name < $high ORDER BY o.ns, o.name");
        // data_version is read in the snapshot the batch reads: it says whether another connection committed since.
        _revision = Command("SELECT (SELECT v FROM meta WHERE k = 'revision'), data_version FROM pragma_data_version");
        _bumpRevision = Command("UPDATE meta SET v = v + 1 WHERE k = 'revision' RETURNING v");
        _insert = Command("INSERT INTO objects(kind, ns, name, rev, version, uid, created, labels) VALUES($kind, $ns, $name, $rev, $version, $uid, $created, $labels) ON CONFLICT DO NOTHING");
        _update = Command("UPDATE objects SET rev = $rev, version = $version, labels = $labels WHERE kind = $kind AND ns = $ns AND name = $name");
        _delete = Command("DELETE FROM objects WHERE kind = $kind AND ns = $ns AND name = $name");
        _event = Command("INSERT INTO history(rev, kind, ns, name, type, uid, created, value) VALUES($rev, $kind, $ns, $name, $type, $uid, $created, $value) RETURNING id");
        // The compare of an update and its new version in one statement: no row comes back when the object is missing
        // or has moved on, and only then is the head read to say which.
        _eventOverCurrent = Command("INSERT INTO history(rev, kind, ns, name, type, uid, created, value) SELECT $rev, kind, ns, name, $type, uid, created, $value "
                                    + "FROM objects WHERE kind = $kind AND ns = $ns AND name = $name AND rev = $expected RETURNING id, uid, created");
        _events = Command("SELECT rev, ns, name, type, uid, created, value FROM history WHERE kind = $kind AND ($ns IS NULL OR ns = $ns) AND rev > $after ORDER BY rev, id LIMIT 1000");
        _compacted = Command("SELECT v FROM meta WHERE k = 'compacted'");
        _beginRead = Command("BEGIN");
        _beginWrite = Command("BEGIN IMMEDIATE");
        _end = Command("COMMIT");
        _rollback = Command("ROLLBACK");
    }

    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    public string Path => _connection.DataSource;

    /// <summary>Opens (creating when missing, mode 0600) the store file at <paramref name="path"/>.</summary>
    /// <param name="retainedRevisions">How much change history watches can replay before they must re-list.</param>
    public static SqliteDatastore Open(string path, long retainedRevisions = 10_000)
    {
        SqliteConnection? connection = null;
        try
        {
            CreateFilePrivately(path);
            connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadWrite,
                Pooling = false,
                DefaultTimeout = BusyTimeoutMs / 1000,
            }.ToString());
            connection.Open();
            // Memory-mapped reads: a warm allocation reads the file without a system call. The page cache keeps SQLite's
            // default size: every commit trims the cache by walking its hash table, and with 64 MiB of pages that walk
            // cost a group commit more than the reads the cache saved. Checkpoints (the only fsyncs with
            // synchronous=NORMAL) every 10,000 pages rather than 1,000 amortise the flush.
            Execute(connection, $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                                + "PRAGMA mmap_size = 1073741824; PRAGMA wal_autocheckpoint = 10000;");
            EnsureSchema(connection);
            return new SqliteDatastore(connection, retainedRevisions);
        }
        catch (Exception e)
        {
            connection?.Dispose();
            if (e is SqliteException or IOException or UnauthorizedAccessException or ArgumentException)
                throw new DatastoreException(DatastoreErrorCode.Unavailable, $"cannot open the datastore file {path}: {e.Message}", inner: e);
            throw;
        }
    }

    private static void CreateFilePrivately(string path)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        if (File.Exists(path)) return;
        try
        {
            // SQLite gives the -wal and -shm files the main file's mode, so 0600 here keeps all three private.
            using var _ = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = FileShare.ReadWrite,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first.
        }
    }

    /// <summary>
    /// A store that already has the schema is only read (every plugin process opens the file, and a write transaction
    /// here would serialise them all); a new one is created under the write lock.
    /// </summary>
    private static void EnsureSchema(SqliteConnection connection)
    {
        if (SchemaVersion(connection, null) is { } existing)
        {
            if (existing is not 1L)
                throw new DatastoreException(DatastoreErrorCode.Unavailable, $"{connection.DataSource} was written by an incompatible CniNet version (schema {existing}, this build reads 1)");
            return;
        }
        using var tx = connection.BeginTransaction(deferred: false);
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
            INSERT OR IGNORE INTO meta(k, v) VALUES('revision', 0), ('compacted', 0), ('schema', 1);
            CREATE TABLE IF NOT EXISTS objects(
                kind TEXT NOT NULL, ns TEXT NOT NULL, name TEXT NOT NULL,
                rev INTEGER NOT NULL, version INTEGER NOT NULL, uid TEXT NOT NULL, created INTEGER NOT NULL, labels TEXT,
                PRIMARY KEY(kind, ns, name)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS history(
                id INTEGER PRIMARY KEY, rev INTEGER NOT NULL, kind TEXT NOT NULL, ns TEXT NOT NULL, name TEXT NOT NULL,
                type INTEGER NOT NULL, uid TEXT NOT NULL, created INTEGER NOT NULL, value BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS history_by_kind ON history(kind, rev);
            CREATE INDEX IF NOT EXISTS history_by_rev ON history(rev);
            CREATE INDEX IF NOT EXISTS objects_by_name ON objects(kind, name);
            CREATE INDEX IF NOT EXISTS objects_by_version ON objects(version);
            """, tx);
        if (SchemaVersion(connection, tx) is not 1L)
            throw new DatastoreException(DatastoreErrorCode.Unavailable, $"{connection.DataSource} was written by an incompatible CniNet version (schema {SchemaVersion(connection, tx)}, this build reads 1)");
        tx.Commit();
    }

    /// <summary>The schema marker, or null when the file has no schema yet.</summary>
    private static object? SchemaVersion(SqliteConnection connection, SqliteTransaction? tx)
    {
        using var exists = connection.CreateCommand();
        exists.Transaction = tx;
        exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'";
        if (exists.ExecuteScalar() is 0L) return null;
        using var schema = connection.CreateCommand();
        schema.Transaction = tx;
        schema.CommandText = "SELECT v FROM meta WHERE k = 'schema'";
        return schema.ExecuteScalar();
    }

    public async Task<ReadResult> ReadAsync(IReadOnlyList<ReadOp> ops, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            Interlocked.Increment(ref _roundTrips);
            using var tx = Begin(write: false);
            var revision = RevisionAndDataVersion();
            var answers = new IReadOnlyList<KvEntry>[ops.Count];
            for (var i = 0; i < ops.Count; i++)
            {
                answers[i] = ops[i] switch
                {
                    GetOp get => KnownOrFind(get.Key) is { } found ? [found] : [],
                    ListOp list => KnownOrList(list),
                    _ => throw new ArgumentException($"unknown read operation {ops[i]}"),
                };
            }
            tx.Commit();
            return new ReadResult(revision, answers);
        }
        catch (SqliteException e)
        {
            Forget();
            throw Unavailable(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<KvEntry?>> CommitAsync(IReadOnlyList<WriteOp> ops, CancellationToken ct = default)
    {
        if (ops.Count == 0) return [];
        await _gate.WaitAsync(ct);
        try
        {
            Interlocked.Increment(ref _roundTrips);
            using var tx = Begin(write: true);
            var revision = Scalar(_bumpRevision);
            var results = new KvEntry?[ops.Count];
            for (var i = 0; i < ops.Count; i++) results[i] = Apply(ops[i], revision);
            tx.Commit();
            for (var i = 0; i < ops.Count; i++) Remember(ops[i].Key, results[i]);
            RequestCheckpoint();
            if (revision % 256 == 0 && revision > _retainedRevisions) Compact(revision - _retainedRevisions);
            return results;
        }
        catch (SqliteException e)
        {
            Forget();
            throw Unavailable(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Counts a commit and, past the threshold, asks the background checkpointer for a pass.</summary>
    private void RequestCheckpoint()
    {
        if (_checkpointerFailed || ++_commitsSinceCheckpoint < CommitsPerBackgroundCheckpoint) return;
        _commitsSinceCheckpoint = 0;
        if (_checkpointer is null)
        {
            try
            {
                _checkpointer = new WalCheckpointer(_connection.ConnectionString);
                Execute(_connection, $"PRAGMA wal_autocheckpoint = {FallbackAutocheckpointPages}");
            }
            catch (SqliteException)
            {
                // The commit has succeeded; without a checkpointer the connection keeps checkpointing inline.
                _checkpointer?.Dispose();
                _checkpointer = null;
                _checkpointerFailed = true;
                return;
            }
        }
        _checkpointer.Request();
    }

    /// <summary>
    /// One write inside the commit's transaction. A create and an update each cost two statements (the version, then the
    /// object row) with their condition inside them; a failed condition throws and the caller rolls the whole commit back.
    /// </summary>
    private KvEntry? Apply(WriteOp op, long revision)
    {
        switch (op.Kind)
        {
            case WriteKind.Create:
                var created = new KvEntry(op.Key, Required(op), revision, Guid.NewGuid().ToString(), DateTime.UtcNow);
                var version = AppendVersion(WatchEventType.Added, created);
                if (Run(_insert, op.Key, revision, version, created.Uid, created.Created, op.Labels) == 0) throw DatastoreException.AlreadyExists(op.Key);
                return created;
            case WriteKind.Update:
                if (AppendVersionOverCurrent(op, revision) is not { } updated)
                {
                    if (Head(op.Key) is not { } head) throw DatastoreException.NotFound(op.Key);
                    throw DatastoreException.Conflict(op.Key, $"revision {op.Revision} was read, the store has {head.Revision}");
                }
                Run(_update, op.Key, revision, updated.Version, null, null, op.Labels);
                return updated.Entry;
            case WriteKind.Delete:
                var current = Find(op.Key);
                if (current is null) throw DatastoreException.NotFound(op.Key);
                if (op.Revision is { } rev && rev != current.Revision)
                    throw DatastoreException.Conflict(op.Key, $"revision {rev} was read, the store has {current.Revision}");
                if (op.Uid is { } uid && uid != current.Uid)
                    throw DatastoreException.Conflict(op.Key, $"UID {uid} was read, the store has {current.Uid}");
                AppendVersion(WatchEventType.Deleted, current with { Revision = revision });
                Run(_delete, op.Key, null, null, null, null, null);
                return null;
            default:
                throw new ArgumentException($"unknown write kind {op.Kind}");
        }
    }

    private static byte[] Required(WriteOp op) => op.Value ?? throw new ArgumentException($"{op.Kind} of {op.Key} needs a value");

    public async IAsyncEnumerable<WatchEvent> WatchAsync(string kind, string? ns, long afterRevision, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var after = afterRevision;
        while (!ct.IsCancellationRequested)
        {
            var batch = await PollEvents(kind, ns, after, ct);
            foreach (var e in batch)
            {
                after = e.Revision;
                yield return e;
            }
            if (batch.Count == 0)
            {
                try
                {
                    await Task.Delay(WatchPollInterval, ct);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
            }
        }
    }

    private async Task<List<WatchEvent>> PollEvents(string kind, string? ns, long after, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            Interlocked.Increment(ref _roundTrips);
            using var tx = Begin(write: false);
            var compacted = Scalar(_compacted);
            if (after < compacted)
                throw new DatastoreException(DatastoreErrorCode.Compacted,
                    $"watch of {kind} from revision {after}: history up to {compacted} was compacted; re-list and watch again");
            _events.Transaction = null;
            _events.Parameters["$kind"].Value = kind;
            _events.Parameters["$ns"].Value = (object?)ns ?? DBNull.Value;
            _events.Parameters["$after"].Value = after;
            var events = new List<WatchEvent>();
            using (var reader = _events.ExecuteReader())
            {
                while (reader.Read())
                {
                    var rev = reader.GetInt64(0);
                    var entry = new KvEntry(new ResourceKey(kind, reader.GetString(1), reader.GetString(2)),
                        (byte[])reader.GetValue(6), rev, reader.GetString(4), new DateTime(reader.GetInt64(5), DateTimeKind.Utc));
                    events.Add(new WatchEvent((WatchEventType)reader.GetInt32(3), entry, rev));
                }
            }
            tx.Commit();
            return events;
        }
        catch (SqliteException e)
        {
            throw Unavailable(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task CompactAsync(long revision, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            Interlocked.Increment(ref _roundTrips);
            Compact(revision);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Compact(long revision)
    {
        using var tx = _connection.BeginTransaction(deferred: false);
        // Only versions since the last compaction are looked at: current versions older than that were kept then and
        // need no second look, so a pass costs the new history, not the size of the store.
        var from = Scalar(_compacted, tx);
        if (revision <= from) return;
        Execute(_connection, $"""
            DELETE FROM history WHERE rev > {from} AND rev <= {revision}
                AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.version = history.id);
            UPDATE meta SET v = {revision} WHERE k = 'compacted';
            """, tx);
        tx.Commit();
    }

    /// <summary>
    /// The store revision, read in the batch's snapshot; when another connection has committed since the last read,
    /// everything remembered is forgotten first.
    /// </summary>
    private long RevisionAndDataVersion()
    {
        _revision.Transaction = null;
        using var reader = _revision.ExecuteReader();
        reader.Read();
        var dataVersion = reader.GetInt64(1);
        if (dataVersion != _knownDataVersion)
        {
            Forget();
            _knownDataVersion = dataVersion;
        }
        return reader.GetInt64(0);
    }

    private KvEntry? KnownOrFind(ResourceKey key)
    {
        if (_knownObjects.TryGetValue(key, out var known)) return known;
        var found = Find(key);
        RememberRead(key, found);
        return found;
    }

    private IReadOnlyList<KvEntry> KnownOrList(ListOp op)
    {
        // Label-selected lists are not remembered: selectors compare by reference.
        if (op.Labels is not null) return List(op);
        if (_knownLists.TryGetValue(op, out var known)) return known;
        var items = List(op).ToArray();
        if (_knownLists.Count >= KnownListsCapacity) _knownLists.Clear();
        _knownLists[op] = items;
        return items;
    }

    private void RememberRead(ResourceKey key, KvEntry? entry)
    {
        if (_knownObjects.Count >= KnownObjectsCapacity) _knownObjects.Clear();
        _knownObjects[key] = entry;
    }

    /// <summary>After this connection's own commit: the written objects are known exactly, lists of their kinds are not.</summary>
    private void Remember(ResourceKey key, KvEntry? written)
    {
        RememberRead(key, written);
        if (_knownLists.Count == 0) return;
        foreach (var list in _knownLists.Keys.Where(l => l.Kind == key.Kind).ToList()) _knownLists.Remove(list);
    }

    private void Forget()
    {
        _knownObjects.Clear();
        _knownLists.Clear();
        _knownDataVersion = -1;
    }

    private KvEntry? Find(ResourceKey key)
    {
        using var reader = Bind(_get, key).ExecuteReader();
        return reader.Read()
            ? new KvEntry(key, (byte[])reader.GetValue(3), reader.GetInt64(0), reader.GetString(1), new DateTime(reader.GetInt64(2), DateTimeKind.Utc))
            : null;
    }

    /// <summary>The current revision, UID and creation time of an object, without its value.</summary>
    private KvEntry? Head(ResourceKey key)
    {
        using var reader = Bind(_head, key).ExecuteReader();
        return reader.Read() ? new KvEntry(key, [], reader.GetInt64(0), reader.GetString(1), new DateTime(reader.GetInt64(2), DateTimeKind.Utc)) : null;
    }

    private List<KvEntry> List(ListOp op)
    {
        var command = op.NamePrefix is not null ? _listPrefix : op.Namespace is null ? _list : _listNs;
        command.Transaction = null;
        command.Parameters["$kind"].Value = op.Kind;
        if (op.NamePrefix is not null)
        {
            command.Parameters["$low"].Value = op.NamePrefix;
            // Names compare as UTF-8 bytes; U+10FFFF sorts after every character a name can hold.
            command.Parameters["$high"].Value = op.NamePrefix + "\U0010FFFF";
        }
        else if (op.Namespace is not null)
        {
            command.Parameters["$ns"].Value = op.Namespace;
        }
        var items = new List<KvEntry>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (op.Namespace is not null && reader.GetString(0) != op.Namespace) continue;
            if (op.Labels is { } selector && !selector.Matches(DecodeLabels(reader.IsDBNull(6) ? null : reader.GetString(6)))) continue;
            items.Add(new KvEntry(new ResourceKey(op.Kind, reader.GetString(0), reader.GetString(1)), (byte[])reader.GetValue(5),
                reader.GetInt64(2), reader.GetString(3), new DateTime(reader.GetInt64(4), DateTimeKind.Utc)));
        }
        return items;
    }

    private static Dictionary<string, string>? DecodeLabels(string? json) =>
        json is null ? null : JsonSerializer.Deserialize(json, ModelJsonContext.Default.DictionaryStringString);

    /// <summary>
    /// Logs the new version of an object that is still at the revision the update read; null when it is missing or has
    /// moved on (nothing was written then).
    /// </summary>
    private (KvEntry Entry, long Version)? AppendVersionOverCurrent(WriteOp op, long revision)
    {
        var command = Bind(_eventOverCurrent, op.Key);
        command.Parameters["$rev"].Value = revision;
        command.Parameters["$type"].Value = (int)WatchEventType.Modified;
        command.Parameters["$value"].Value = Required(op);
        command.Parameters["$expected"].Value = op.Revision ?? (object)DBNull.Value;
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        var entry = new KvEntry(op.Key, op.Value!, revision, reader.GetString(1), new DateTime(reader.GetInt64(2), DateTimeKind.Utc));
        return (entry, reader.GetInt64(0));
    }

    /// <summary>Logs a version of an object; returns its row, which the object row points at while it is current.</summary>
    private long AppendVersion(WatchEventType type, KvEntry entry)
    {
        _event.Transaction = null;
        _event.Parameters["$rev"].Value = entry.Revision;
        _event.Parameters["$kind"].Value = entry.Key.Kind;
        _event.Parameters["$ns"].Value = entry.Key.Namespace;
        _event.Parameters["$name"].Value = entry.Key.Name;
        _event.Parameters["$type"].Value = (int)type;
        _event.Parameters["$uid"].Value = entry.Uid;
        _event.Parameters["$created"].Value = entry.Created.Ticks;
        _event.Parameters["$value"].Value = entry.Value;
        return (long)_event.ExecuteScalar()!;
    }

    private static int Run(SqliteCommand command, ResourceKey key, long? revision, long? version, string? uid,
        DateTime? created, IReadOnlyDictionary<string, string>? labels)
    {
        Bind(command, key);
        Set(command, "$rev", revision);
        Set(command, "$version", version);
        Set(command, "$uid", uid);
        Set(command, "$created", created?.Ticks);
        Set(command, "$labels", labels is { Count: > 0 } ? JsonSerializer.Serialize(labels.ToDictionary(), ModelJsonContext.Default.DictionaryStringString) : null);
        return command.ExecuteNonQuery();
    }

    private static SqliteCommand Bind(SqliteCommand command, ResourceKey key)
    {
        command.Transaction = null;
        command.Parameters["$kind"].Value = key.Kind;
        command.Parameters["$ns"].Value = key.Namespace;
        command.Parameters["$name"].Value = key.Name;
        return command;
    }

    private static void Set(SqliteCommand command, string name, object? value)
    {
        if (command.Parameters.Contains(name)) command.Parameters[name].Value = value ?? DBNull.Value;
    }

    private static long Scalar(SqliteCommand command, SqliteTransaction? tx = null)
    {
        command.Transaction = tx;
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>
    /// A transaction through prepared BEGIN and COMMIT statements (<see cref="SqliteConnection.BeginTransaction()"/>
    /// compiles both again every time); disposing it uncommitted rolls back whatever SQLite has not already.
    /// </summary>
    private Transaction Begin(bool write)
    {
        (write ? _beginWrite : _beginRead).ExecuteNonQuery();
        return new Transaction(this);
    }

    private readonly struct Transaction(SqliteDatastore store) : IDisposable
    {
        public void Commit() => store._end.ExecuteNonQuery();

        public void Dispose()
        {
            if (SQLitePCL.raw.sqlite3_get_autocommit(store._connection.Handle) == 0) store._rollback.ExecuteNonQuery();
        }
    }

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in sql.Split(' ', ',', '(', ')').Where(t => t.StartsWith('$')).Distinct())
            command.Parameters.Add(new SqliteParameter(name, null));
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        command.ExecuteNonQuery();
    }

    private DatastoreException Unavailable(SqliteException e) =>
        new(DatastoreErrorCode.Unavailable, $"datastore {Path}: {e.Message}", inner: e);

    public ValueTask DisposeAsync()
    {
        foreach (var command in new[] { _get, _head, _list, _listNs, _listPrefix, _revision, _bumpRevision, _insert, _update, _delete, _event, _eventOverCurrent, _events, _compacted, _beginRead, _beginWrite, _end, _rollback })
            command.Dispose();
        _checkpointer?.Dispose();
        _checkpointer = null;
        _connection.Dispose();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}
