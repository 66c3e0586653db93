using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using CniNet.Model.Policy;
using CniNet.Model.Resources;

namespace CniNet.Datastore.Kubernetes;

/// <summary>
/// The seam on the Kubernetes API (Calico's KDD): Calico's kinds as <c>crd.projectcalico.org/v1</c> objects, every
/// write guarded by <c>metadata.resourceVersion</c>. The API has no multi-object transaction, so a commit of several
/// writes is applied in order after checking every revision it depends on, and a write that fails part-way undoes the
/// earlier ones (best effort: a crash in between leaves what Calico's KDD leaves, a handle that over-counts, which
/// <c>ipam check</c> reports and release repairs). The reads of a batch run concurrently.
/// </summary>
public sealed class KubernetesDatastore : IDatastore
{
    private readonly KubeApiClient _api;
    private readonly Dictionary<string, IKubeKind> _kinds = new(StringComparer.Ordinal);
    private readonly string _interfacePrefix;

    private KubernetesDatastore(KubeConfig config, TimeSpan requestTimeout, string interfacePrefix)
    {
        _api = new KubeApiClient(config, requestTimeout);
        _interfacePrefix = interfacePrefix;
    }

    /// <summary>The store a kubeconfig describes (the in-cluster service account when <paramref name="kubeconfig"/> is empty).</summary>
    public static KubernetesDatastore Open(string? kubeconfig, string interfacePrefix) => Open(KubeConfig.Load(kubeconfig), interfacePrefix);

    public static KubernetesDatastore Open(KubeConfig config, string interfacePrefix) => new(config, TimeSpan.FromSeconds(30), interfacePrefix);

    public long RoundTrips => _api.Requests;

    private IKubeKind Kind(string storeKind)
    {
        lock (_kinds)
        {
            if (_kinds.TryGetValue(storeKind, out var kind)) return kind;
            kind = storeKind == PolicyKinds.WorkloadEndpoint.StoreKind ? new PodWorkloadEndpoints(_api, _interfacePrefix)
                : storeKind == ResourceKinds.Node.StoreKind ? new NodeCalicoNodes(_api)
                : new StoredObjects(_api, KubeStoredKind.For(storeKind));
            return _kinds[storeKind] = kind;
        }
    }

    public async Task<ReadResult> ReadAsync(IReadOnlyList<ReadOp> ops, CancellationToken ct = default)
    {
        var answers = await Task.WhenAll(ops.Select(op => ReadOneAsync(op, ct)));
        var revision = answers.Length == 0 ? 0 : answers.Max(a => Math.Max(a.Revision, a.Items.Count == 0 ? 0 : a.Items.Max(e => e.Revision)));
        return new ReadResult(revision, answers.Select(a => (IReadOnlyList<KvEntry>)a.Items).ToList());
    }

    private async Task<(List<KvEntry> Items, long Revision)> ReadOneAsync(ReadOp op, CancellationToken ct)
    {
        switch (op)
        {
            case GetOp get:
                return await Kind(get.Key.Kind).GetAsync(get.Key, ct) is { } entry ? ([entry], 0) : ([], 0);
            case ListOp list:
                var (items, revision) = await Kind(list.Kind).ListAsync(list.Namespace, list.Labels?.ToKubernetesLabelSelector(), ct);
                var selected = items
                    .Where(e => list.Namespace is null || e.Key.Namespace == list.Namespace)
                    .Where(e => list.NamePrefix is null || e.Key.Name.StartsWith(list.NamePrefix, StringComparison.Ordinal))
                    .Where(e => list.Labels is null || list.Labels.Matches(LabelsOf(e)))
                    .OrderBy(e => e.Key.Namespace, StringComparer.Ordinal).ThenBy(e => e.Key.Name, StringComparer.Ordinal)
                    .ToList();
                return (selected, revision);
            default:
                throw new ArgumentException($"unknown read {op.GetType().Name}");
        }
    }

    /// <summary>The labels a list's selector sees: the object's <c>metadata.labels</c>.</summary>
    private static Dictionary<string, string>? LabelsOf(KvEntry entry) =>
        (KubeApiClient.Parse(entry.Value) as JsonObject)?["metadata"]?["labels"] is JsonObject labels
            ? labels.Where(l => l.Value is JsonValue).ToDictionary(l => l.Key, l => l.Value!.GetValue<string>())
            : null;

    public async Task<IReadOnlyList<KvEntry?>> CommitAsync(IReadOnlyList<WriteOp> ops, CancellationToken ct = default)
    {
        if (ops.Count == 1) return [await ApplyAsync(ops[0], ct)];
        var before = await CheckRevisionsAsync(ops, ct);
        var written = new List<KvEntry?>(ops.Count);
        try
        {
            foreach (var op in ops) written.Add(await ApplyAsync(op, ct));
            return written;
        }
        catch (DatastoreException)
        {
            await UndoAsync(ops, before, written);
            throw;
        }
    }

    private async Task<KvEntry?> ApplyAsync(WriteOp op, CancellationToken ct)
    {
        var kind = Kind(op.Key.Kind);
        switch (op.Kind)
        {
            case WriteKind.Create:
                return await kind.CreateAsync(op, ct);
            case WriteKind.Update:
                return await kind.UpdateAsync(op, ct);
            default:
                await kind.DeleteAsync(op, ct);
                return null;
        }
    }

    /// <summary>
    /// Reads every object a multi-write commit touches, concurrently, and fails before anything is written when a
    /// create's object exists or an update's or delete's revision or UID already differs. Only a writer racing in
    /// between makes a later write fail after earlier ones landed; the values read are what the undo restores then.
    /// </summary>
    private async Task<KvEntry?[]> CheckRevisionsAsync(IReadOnlyList<WriteOp> ops, CancellationToken ct)
    {
        var current = await Task.WhenAll(ops.Select(op => Kind(op.Key.Kind).GetAsync(op.Key, ct)));
        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            var entry = current[i];
            if (op.Kind == WriteKind.Create)
            {
                if (entry is not null && op.Key.Kind != PolicyKinds.WorkloadEndpoint.StoreKind) throw DatastoreException.AlreadyExists(op.Key);
                continue;
            }
            if (entry is null) throw DatastoreException.NotFound(op.Key);
            if (op.Revision is { } rv && rv != entry.Revision && op.Key.Kind != PolicyKinds.WorkloadEndpoint.StoreKind)
                throw DatastoreException.Conflict(op.Key, $"revision {rv} was read, the store holds {entry.Revision}");
            if (op.Uid is { } uid && uid != entry.Uid) throw DatastoreException.Conflict(op.Key, "the UID differs: the object was recreated");
        }
        return current;
    }

    /// <summary>Reverts the writes a failed commit made, newest first; a write someone changed since is left as it is.</summary>
    private async Task UndoAsync(IReadOnlyList<WriteOp> ops, KvEntry?[] before, List<KvEntry?> written)
    {
        for (var i = written.Count - 1; i >= 0; i--)
        {
            var op = ops[i];
            try
            {
                if (op.Kind == WriteKind.Create)
                    await Kind(op.Key.Kind).DeleteAsync(WriteOp.Delete(op.Key, written[i]!.Revision, written[i]!.Uid), CancellationToken.None);
                else if (op.Kind == WriteKind.Update)
                    await Kind(op.Key.Kind).UpdateAsync(WriteOp.Update(op.Key, before[i]!.Value, written[i]!.Revision, op.Labels), CancellationToken.None);
                else
                    await Kind(op.Key.Kind).CreateAsync(WriteOp.Create(op.Key, before[i]!.Value, op.Labels), CancellationToken.None);
            }
            catch (DatastoreException)
            {
                // Someone wrote the object after us: their write stands, as it would after a crash at this point.
            }
        }
    }

    public async IAsyncEnumerable<WatchEvent> WatchAsync(string kind, string? ns, long afterRevision, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var source = Kind(kind);
        var from = afterRevision;
        while (!ct.IsCancellationRequested)
        {
            var path = $"{source.WatchCollection(ns)}?watch=true&allowWatchBookmarks=true&resourceVersion={from}";
            Stream body;
            try
            {
                body = await _api.OpenWatchAsync(path, ct);
            }
            catch (DatastoreException e) when (e.Code == DatastoreErrorCode.Unavailable)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
                continue;
            }
            await using (body)
            using (var reader = new StreamReader(body))
            {
                while (await ReadEventAsync(reader, kind, from, ct) is { } line)
                {
                    var obj = line["object"] as JsonObject;
                    var meta = obj?["metadata"] as JsonObject;
                    if (meta is null) continue;
                    var revision = KubeStoredKind.RevisionOf(meta);
                    from = Math.Max(from, revision);
                    var type = KubeStoredKind.Text(line, "type");
                    if (type == "BOOKMARK" || source.FromWatched(obj!, type == "DELETED") is not { } entry) continue;
                    yield return new WatchEvent(type switch
                    {
                        "ADDED" => WatchEventType.Added,
                        "DELETED" => WatchEventType.Deleted,
                        _ => WatchEventType.Modified,
                    }, entry, revision);
                }
            }
        }
    }

    /// <summary>The next event line; null when the server ended the watch (its timeout) or the connection broke.</summary>
    private static async Task<JsonObject?> ReadEventAsync(StreamReader reader, string kind, long from, CancellationToken ct)
    {
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(ct);
            }
            catch (Exception e) when (e is IOException || (e is OperationCanceledException && ct.IsCancellationRequested))
            {
                return null;
            }
            if (line is null) return null;
            if (line.Length == 0) continue;
            if (KubeApiClient.Parse(System.Text.Encoding.UTF8.GetBytes(line)) is not JsonObject message) continue;
            if (KubeStoredKind.Text(message, "type") != "ERROR") return message;
            var status = message["object"] as JsonObject;
            var code = status?["code"] is JsonValue c && c.TryGetValue<int>(out var n) ? n : 0;
            if (code == 410)
                throw new DatastoreException(DatastoreErrorCode.Compacted, $"watch of {kind} from resourceVersion {from}: {KubeStoredKind.Text(status, "message")}; re-list and watch again");
            throw new DatastoreException(DatastoreErrorCode.Unavailable, $"watch of {kind}: {KubeStoredKind.Text(status, "message")}");
        }
    }

    /// <summary>The API server compacts its own etcd history; a watch from before that gets 410 Gone (Compacted).</summary>
    public Task CompactAsync(long revision, CancellationToken ct = default) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        _api.Dispose();
        return ValueTask.CompletedTask;
    }
}
