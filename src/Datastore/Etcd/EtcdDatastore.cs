using System.Collections.Concurrent;
using CniNet.Datastore.Http;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace CniNet.Datastore.Etcd;

/// <summary>
/// The seam on etcd v3, through its JSON gateway (<c>/v3/kv/*</c>, <c>/v3/watch</c>): keys as <see cref="EtcdKeyLayout"/>
/// lays them out, each holding an <see cref="EtcdEnvelope"/>; an entry's revision is its key's <c>mod_revision</c>.
/// A read batch is one txn of range requests (one snapshot); lists longer than a page continue with ranges at that
/// txn's revision. A commit is one txn whose compares are the writes' conditions and whose failure branch reads every
/// key it touches, so a failed commit learns which condition failed in the same round trip.
/// <para>
/// An update must carry the object's UID and creation time into the new envelope, and a delete by UID must know the
/// stored UID; etcd cannot compare inside a value. Both come from what this client last read or wrote of the key at
/// the revision the write names (an object's UID never changes while its key lives, and a mod_revision names exactly
/// one version), so a read-modify-write costs one round trip per read and one per commit. When that is not known,
/// the commit first reads the keys it touches (one more round trip). A delete by UID compares on the mod_revision at
/// which the UID was seen; if the object changed since but kept its UID, the commit is tried again.
/// </para>
/// </summary>
public sealed class EtcdDatastore : IDatastore
{
    public const int DefaultPageSize = 500;

    private const int KnownLimit = 65_536;
    private const int MaxCommitAttempts = 5;
    private static readonly TimeSpan WatchReconnectWindow = TimeSpan.FromSeconds(30);
    private static readonly EtcdJsonContext Json = EtcdJsonContext.Default;

    private readonly EtcdTransport _etcd;
    private readonly int _pageSize;

    /// <summary>UID and creation time of the versions this client has seen, by etcd key.</summary>
    private readonly ConcurrentDictionary<string, StoredVersion> _known = new(StringComparer.Ordinal);

    /// <param name="endpoints">Client URLs (http only), tried in order when one cannot be reached.</param>
    /// <param name="keyRoot">The root of every key (see <see cref="EtcdKeyLayout"/>).</param>
    /// <param name="pageSize">How many keys one range request returns before the list continues with another.</param>
    /// <param name="tls">For https endpoints: the CA and the client certificate (the system's roots when null).</param>
    public EtcdDatastore(IReadOnlyList<Uri> endpoints, string keyRoot = EtcdKeyLayout.DefaultRoot, int pageSize = DefaultPageSize,
        TimeSpan? requestTimeout = null, Http1Tls? tls = null)
    {
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)
                throw new DatastoreException(DatastoreErrorCode.Unavailable, $"etcd endpoint {endpoint}: http:// or https:// expected");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        Layout = new EtcdKeyLayout(keyRoot);
        _pageSize = pageSize;
        _etcd = new EtcdTransport(endpoints, requestTimeout ?? TimeSpan.FromSeconds(30), tls);
    }

    /// <summary>Opens a client on the comma-separated endpoints of <c>ETCD_ENDPOINTS</c>.</summary>
    public static EtcdDatastore Open(string endpoints, Http1Tls? tls = null, string keyRoot = EtcdKeyLayout.DefaultRoot)
    {
        var uris = new List<Uri>();
        foreach (var endpoint in endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
                throw new DatastoreException(DatastoreErrorCode.Unavailable, $"ETCD_ENDPOINTS: \"{endpoint}\" is not a URL");
            uris.Add(uri);
        }
        if (uris.Count == 0) throw new DatastoreException(DatastoreErrorCode.Unavailable, "ETCD_ENDPOINTS names no endpoint");
        return new EtcdDatastore(uris, keyRoot, tls: tls);
    }

    public EtcdKeyLayout Layout { get; }

    public long RoundTrips => _etcd.Requests;

    public async Task<ReadResult> ReadAsync(IReadOnlyList<ReadOp> ops, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ReadOnceAsync(ops, ct);
            }
            catch (EtcdRequestException e) when (e.IsCompacted && attempt < 3)
            {
                // A later page's revision was compacted away mid-list: read the whole batch again, at a new snapshot.
            }
            catch (EtcdRequestException e)
            {
                throw Failed("read", e);
            }
        }
    }

    private async Task<ReadResult> ReadOnceAsync(IReadOnlyList<ReadOp> ops, CancellationToken ct)
    {
        var txn = new EtcdTxnRequest();
        foreach (var op in ops)
        {
            txn.Success.Add(new EtcdRequestOp
            {
                RequestRange = op switch
                {
                    GetOp get => new EtcdRangeRequest { Key = Utf8(Layout.KeyOf(get.Key)) },
                    ListOp list => Range(Layout.RangeOf(list), revision: null),
                    _ => throw new ArgumentException($"unknown read operation {op}"),
                },
            });
        }
        var response = await _etcd.PostAsync("/v3/kv/txn", txn, Json.EtcdTxnRequest, Json.EtcdTxnResponse, ct);
        var revision = response.Header?.Revision ?? 0;
        var answers = new IReadOnlyList<KvEntry>[ops.Count];
        for (var i = 0; i < ops.Count; i++)
        {
            var range = response.Responses?[i].ResponseRange;
            switch (ops[i])
            {
                case GetOp get:
                    answers[i] = range?.Kvs is [var kv, ..] ? [Remember(Entry(get.Key, kv))] : [];
                    break;
                case ListOp list:
                    answers[i] = await ListAsync(list, range, revision, ct);
                    break;
            }
        }
        return new ReadResult(revision, answers);
    }

    private async Task<List<KvEntry>> ListAsync(ListOp op, EtcdRangeResponse? first, long revision, CancellationToken ct)
    {
        var items = new List<KvEntry>();
        var (_, end) = Layout.RangeOf(op);
        var page = first;
        while (page is not null)
        {
            foreach (var kv in page.Kvs ?? [])
            {
                if (Layout.Parse(op.Kind, Encoding.UTF8.GetString(kv.Key)) is not { } key || !EtcdKeyLayout.Matches(op, key)) continue;
                var envelope = Open(key, kv);
                if (op.Labels is { } selector && !selector.Matches(envelope.Labels)) continue;
                items.Add(Remember(Entry(key, kv, envelope)));
            }
            if (!page.More || page.Kvs is not [.., var last]) break;
            // The next page starts just after the last key, at the first page's revision: still one snapshot.
            var next = Range((Successor(last.Key), end), revision);
            page = await _etcd.PostAsync("/v3/kv/range", next, Json.EtcdRangeRequest, Json.EtcdRangeResponse, ct);
        }
        items.Sort((a, b) => EtcdKeyLayout.CompareKeys(a.Key, b.Key));
        return items;
    }

    private EtcdRangeRequest Range((byte[] Start, byte[] End) range, long? revision) =>
        new() { Key = range.Start, RangeEnd = range.End, Limit = _pageSize, Revision = revision };

    public async Task<IReadOnlyList<KvEntry?>> CommitAsync(IReadOnlyList<WriteOp> ops, CancellationToken ct = default)
    {
        if (ops.Count == 0) return [];
        var keys = ops.Select(op => Layout.KeyOf(op.Key)).ToArray();
        if (keys.Distinct(StringComparer.Ordinal).Count() != keys.Length)
            throw new ArgumentException("an etcd commit writes each key at most once (etcd rejects a txn that names a key twice)");
        try
        {
            for (var attempt = 1; attempt <= MaxCommitAttempts; attempt++)
            {
                var known = keys.Select(k => _known.TryGetValue(k, out var v) ? v : null).ToArray();
                if (Enumerable.Range(0, ops.Count).Any(i => !Knows(ops[i], known[i])))
                {
                    known = await ReadCurrentAsync(ops, keys, ct);
                    if (FirstViolation(ops, known) is { } early) throw early;
                }
                if (await TryCommitAsync(ops, keys, known, ct) is { } written) return written;
            }
            throw DatastoreException.Conflict(ops[0].Key, $"the objects kept changing over {MaxCommitAttempts} attempts");
        }
        catch (EtcdRequestException e)
        {
            throw Failed("commit", e);
        }
    }

    /// <summary>Whether the commit knows enough of the stored version to build and check <paramref name="op"/>.</summary>
    private static bool Knows(WriteOp op, StoredVersion? known) => op.Kind switch
    {
        WriteKind.Update => known is not null && known.ModRevision == op.Revision,
        WriteKind.Delete when op.Uid is not null =>
            known is not null && known.Uid == op.Uid && (op.Revision is null || known.ModRevision == op.Revision),
        _ => true,
    };

    /// <summary>The stored versions of the commit's keys (null where absent), read in one snapshot.</summary>
    private async Task<StoredVersion?[]> ReadCurrentAsync(IReadOnlyList<WriteOp> ops, string[] keys, CancellationToken ct)
    {
        var txn = new EtcdTxnRequest { Success = keys.Select(k => new EtcdRequestOp { RequestRange = new EtcdRangeRequest { Key = Utf8(k) } }).ToList() };
        var response = await _etcd.PostAsync("/v3/kv/txn", txn, Json.EtcdTxnRequest, Json.EtcdTxnResponse, ct);
        return Current(ops, keys, response);
    }

    /// <summary>Sends the commit as one txn: the written entries, or null when a compare failed but no condition did.</summary>
    private async Task<KvEntry?[]?> TryCommitAsync(IReadOnlyList<WriteOp> ops, string[] keys, StoredVersion?[] known, CancellationToken ct)
    {
        var txn = new EtcdTxnRequest();
        var versions = new StoredVersion?[ops.Count];
        var now = DateTime.UtcNow;
        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            var key = Utf8(keys[i]);
            switch (op.Kind)
            {
                case WriteKind.Create:
                    txn.Compare.Add(new EtcdCompare { Key = key, Target = "CREATE", Result = "EQUAL", CreateRevision = 0 });
                    versions[i] = new StoredVersion(0, Guid.NewGuid().ToString(), now);
                    txn.Success.Add(Put(key, op, versions[i]!));
                    break;
                case WriteKind.Update:
                    txn.Compare.Add(Exists(key));
                    txn.Compare.Add(new EtcdCompare { Key = key, Target = "MOD", Result = "EQUAL", ModRevision = op.Revision });
                    versions[i] = known[i]!;
                    txn.Success.Add(Put(key, op, versions[i]!));
                    break;
                case WriteKind.Delete:
                    txn.Compare.Add(Exists(key));
                    // The UID was checked against the version known at known.ModRevision; the compare pins that version.
                    var pinned = op.Uid is not null ? known[i]!.ModRevision : op.Revision;
                    if (pinned is { } rev) txn.Compare.Add(new EtcdCompare { Key = key, Target = "MOD", Result = "EQUAL", ModRevision = rev });
                    txn.Success.Add(new EtcdRequestOp { RequestDeleteRange = new EtcdDeleteRangeRequest { Key = key } });
                    break;
                default:
                    throw new ArgumentException($"unknown write kind {op.Kind}");
            }
            txn.Failure.Add(new EtcdRequestOp { RequestRange = new EtcdRangeRequest { Key = key } });
        }
        var response = await _etcd.PostAsync("/v3/kv/txn", txn, Json.EtcdTxnRequest, Json.EtcdTxnResponse, ct);
        if (!response.Succeeded)
        {
            if (FirstViolation(ops, Current(ops, keys, response)) is { } violation) throw violation;
            return null;
        }
        var revision = response.Header?.Revision ?? throw new DatastoreException(DatastoreErrorCode.Unavailable, "etcd txn answer without a revision");
        var written = new KvEntry?[ops.Count];
        for (var i = 0; i < ops.Count; i++)
        {
            if (versions[i] is { } version)
            {
                written[i] = new KvEntry(ops[i].Key, ops[i].Value!, revision, version.Uid, version.Created);
                Remember(keys[i], version with { ModRevision = revision });
            }
            else
            {
                _known.TryRemove(keys[i], out _);
            }
        }
        return written;
    }

    /// <summary>The first write whose condition the stored versions violate, in commit order, as SQLite reports it.</summary>
    private static DatastoreException? FirstViolation(IReadOnlyList<WriteOp> ops, StoredVersion?[] current)
    {
        for (var i = 0; i < ops.Count; i++)
        {
            var (op, stored) = (ops[i], current[i]);
            switch (op.Kind)
            {
                case WriteKind.Create when stored is not null:
                    return DatastoreException.AlreadyExists(op.Key);
                case WriteKind.Update or WriteKind.Delete when stored is null:
                    return DatastoreException.NotFound(op.Key);
                case WriteKind.Update when op.Revision != stored!.ModRevision:
                case WriteKind.Delete when op.Revision is { } rev && rev != stored!.ModRevision:
                    return DatastoreException.Conflict(op.Key, $"revision {op.Revision} was read, the store has {stored.ModRevision}");
                case WriteKind.Delete when op.Uid is { } uid && uid != stored!.Uid:
                    return DatastoreException.Conflict(op.Key, $"UID {uid} was read, the store has {stored.Uid}");
            }
        }
        return null;
    }

    /// <summary>The versions a txn's range responses (one per key, in commit order) found.</summary>
    private StoredVersion?[] Current(IReadOnlyList<WriteOp> ops, string[] keys, EtcdTxnResponse response)
    {
        var current = new StoredVersion?[ops.Count];
        for (var i = 0; i < ops.Count; i++)
        {
            if (response.Responses?[i].ResponseRange?.Kvs is [var kv, ..])
            {
                var envelope = Open(ops[i].Key, kv);
                current[i] = new StoredVersion(kv.ModRevision, envelope.Uid, envelope.Created);
                Remember(keys[i], current[i]!);
            }
            else
            {
                _known.TryRemove(keys[i], out _);
            }
        }
        return current;
    }

    private static EtcdCompare Exists(byte[] key) => new() { Key = key, Target = "CREATE", Result = "GREATER", CreateRevision = 0 };

    private static EtcdRequestOp Put(byte[] key, WriteOp op, StoredVersion version) => new()
    {
        RequestPut = new EtcdPutRequest
        {
            Key = key,
            Value = JsonSerializer.SerializeToUtf8Bytes(new EtcdEnvelope
            {
                Uid = version.Uid,
                Created = version.Created,
                Labels = op.Labels is { Count: > 0 } labels ? labels.ToDictionary() : null,
                Value = op.Value ?? throw new ArgumentException($"{op.Kind} of {op.Key} needs a value"),
            }, Json.EtcdEnvelope),
        },
    };

    public async IAsyncEnumerable<WatchEvent> WatchAsync(string kind, string? ns, long afterRevision, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var prefix = Utf8(Layout.KindPrefix(kind) + (string.IsNullOrEmpty(ns) ? "" : ns + "/"));
        var after = afterRevision;
        while (!ct.IsCancellationRequested)
        {
            await using var body = await ConnectWatchAsync(prefix, after, ct);
            if (body is null) yield break;
            using var reader = new StreamReader(body, Encoding.UTF8);
            while (await NextWatchMessageAsync(reader, kind, after, ct) is { } message)
            {
                foreach (var change in message.Events ?? [])
                {
                    if (Event(kind, change) is not { } e) continue;
                    after = e.Revision;
                    yield return e;
                }
            }
            if (ct.IsCancellationRequested) yield break;
            // The stream ended without an error: etcd went away or a proxy cut it. Watch again from the last revision seen.
        }
    }

    /// <summary>Opens a watch stream, retrying for a while when etcd is down (a restart); null when cancelled.</summary>
    private async Task<Stream?> ConnectWatchAsync(byte[] prefix, long after, CancellationToken ct)
    {
        var request = new EtcdWatchRequest
        {
            CreateRequest = new EtcdWatchCreateRequest
            {
                Key = prefix, RangeEnd = EtcdKeyLayout.PrefixEnd(prefix), StartRevision = after + 1, PrevKv = true,
            },
        };
        var giveUp = DateTime.UtcNow + WatchReconnectWindow;
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                return await _etcd.OpenStreamAsync("/v3/watch", request, Json.EtcdWatchRequest, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return null;
            }
            catch (DatastoreException e) when (e.Code == DatastoreErrorCode.Unavailable && DateTime.UtcNow < giveUp)
            {
                try
                {
                    await Task.Delay(delay, ct);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
            catch (EtcdRequestException e)
            {
                throw Failed("watch", e);
            }
        }
    }

    /// <summary>The next watch response with events or none; null when the stream ended or the watch was cancelled.</summary>
    private static async Task<EtcdWatchResponse?> NextWatchMessageAsync(StreamReader reader, string kind, long after, CancellationToken ct)
    {
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return null;
            }
            catch (IOException)
            {
                return null;
            }
            if (line is null) return null;
            if (line.Length == 0) continue;
            var message = JsonSerializer.Deserialize(line, Json.EtcdWatchMessage);
            if (message?.Error is { } error)
                throw new DatastoreException(DatastoreErrorCode.Unavailable, $"watch of {kind}: etcd: {error.Message}");
            if (message?.Result is not { } result) continue;
            if (result.CompactRevision > 0)
                throw new DatastoreException(DatastoreErrorCode.Compacted,
                    $"watch of {kind} from revision {after}: history up to {result.CompactRevision} was compacted; re-list and watch again");
            if (result.Canceled)
                throw new DatastoreException(DatastoreErrorCode.Unavailable, $"watch of {kind}: etcd cancelled it: {result.CancelReason}");
            return result;
        }
    }

    private WatchEvent? Event(string kind, EtcdEvent change)
    {
        if (change.Kv is not { } kv || Layout.Parse(kind, Encoding.UTF8.GetString(kv.Key)) is not { } key) return null;
        if (change.Type == "DELETE")
        {
            // The deleted version is the last value; without prev_kv (compacted) only the key is known.
            var last = change.PrevKv is { } prev ? Entry(key, prev) : new KvEntry(key, [], kv.ModRevision, "", default);
            return new WatchEvent(WatchEventType.Deleted, last with { Revision = kv.ModRevision }, kv.ModRevision);
        }
        var type = kv.CreateRevision == kv.ModRevision ? WatchEventType.Added : WatchEventType.Modified;
        return new WatchEvent(type, Entry(key, kv), kv.ModRevision);
    }

    public async Task CompactAsync(long revision, CancellationToken ct = default)
    {
        try
        {
            await _etcd.PostAsync("/v3/kv/compaction", new EtcdCompactionRequest { Revision = revision },
                Json.EtcdCompactionRequest, Json.EtcdCompactionResponse, ct);
        }
        catch (EtcdRequestException e) when (e.IsCompacted)
        {
            // Already compacted that far: nothing to forget, as with SQLite.
        }
        catch (EtcdRequestException e) when (e.Code == EtcdRequestException.OutOfRange)
        {
            throw new ArgumentOutOfRangeException(nameof(revision), revision, $"etcd: {e.Message}");
        }
        catch (EtcdRequestException e)
        {
            throw Failed("compaction", e);
        }
    }

    private static KvEntry Entry(ResourceKey key, EtcdKv kv) => Entry(key, kv, Open(key, kv));

    private static KvEntry Entry(ResourceKey key, EtcdKv kv, EtcdEnvelope envelope) =>
        new(key, envelope.Value, kv.ModRevision, envelope.Uid, DateTime.SpecifyKind(envelope.Created, DateTimeKind.Utc));

    private static EtcdEnvelope Open(ResourceKey key, EtcdKv kv)
    {
        try
        {
            return JsonSerializer.Deserialize(kv.Value ?? [], Json.EtcdEnvelope) ?? throw new JsonException("null envelope");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"etcd key {Encoding.UTF8.GetString(kv.Key)} ({key}) does not hold a CniNet envelope: {e.Message}", e);
        }
    }

    private KvEntry Remember(KvEntry entry)
    {
        Remember(Layout.KeyOf(entry.Key), new StoredVersion(entry.Revision, entry.Uid, entry.Created));
        return entry;
    }

    private void Remember(string key, StoredVersion version)
    {
        // Only an optimisation (a miss costs a read): forgetting everything now and then keeps it bounded.
        if (_known.Count >= KnownLimit) _known.Clear();
        _known[key] = version;
    }

    private static byte[] Successor(byte[] key) => [.. key, 0];

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private DatastoreException Failed(string what, EtcdRequestException e) =>
        new(DatastoreErrorCode.Unavailable, $"etcd {what} at {_etcd.Endpoints} failed: {e.Message}", inner: e);

    public ValueTask DisposeAsync()
    {
        _etcd.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>What one version of a key holds besides its value.</summary>
    private sealed record StoredVersion(long ModRevision, string Uid, DateTime Created);
}
