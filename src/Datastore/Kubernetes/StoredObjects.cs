using System.Globalization;
using System.Text.Json.Nodes;

namespace CniNet.Datastore.Kubernetes;

/// <summary>A kind kept as Kubernetes objects of its own: Calico's CRDs and the core kinds.</summary>
internal sealed class StoredObjects(KubeApiClient api, KubeStoredKind kind) : IKubeKind
{
    private const int PageSize = 500;

    public string WatchCollection(string? ns) => kind.CollectionPath(ns);

    public async Task<KvEntry?> GetAsync(ResourceKey key, CancellationToken ct)
    {
        var obj = await api.SendAsync("GET", kind.ObjectPath(key), null, ct, key: key, notFoundIsNull: true);
        if (obj is null) return null;
        if (!kind.IsSoftDeleted(obj)) return kind.ToEntry(obj);
        await FinishDeleteAsync(key, kind.ToEntry(obj), ct);
        return null;
    }

    public async Task<(List<KvEntry> Items, long Revision)> ListAsync(string? ns, string? labelSelector, CancellationToken ct)
    {
        var (objects, revision) = await ListRawAsync(ns, ct, labelSelector);
        return (objects.Where(o => !kind.IsSoftDeleted(o)).Select(kind.ToEntry).ToList(), revision);
    }

    /// <summary>Every object of the collection, page by page, and the list's resourceVersion.</summary>
    public async Task<(List<JsonObject> Items, long Revision)> ListRawAsync(string? ns, CancellationToken ct, string? labelSelector = null)
    {
        var items = new List<JsonObject>();
        string? next = null;
        long revision;
        do
        {
            var query = $"?limit={PageSize}" + (next is null ? "" : "&continue=" + Uri.EscapeDataString(next))
                        + (string.IsNullOrEmpty(labelSelector) ? "" : "&labelSelector=" + Uri.EscapeDataString(labelSelector));
            var page = await api.SendAsync("GET", kind.CollectionPath(ns) + query, null, ct)
                       ?? throw new DatastoreException(DatastoreErrorCode.Unavailable, $"Kubernetes API list of {kind.StoreKind}: empty answer");
            var meta = page["metadata"] as JsonObject;
            // Every page of one list is read at the first page's resourceVersion.
            revision = KubeStoredKind.RevisionOf(meta ?? []);
            next = KubeStoredKind.Text(meta, "continue") is { Length: > 0 } c ? c : null;
            items.AddRange((page["items"] as JsonArray ?? []).OfType<JsonObject>());
        }
        while (next is not null);
        return (items, revision);
    }

    public async Task<KvEntry> CreateAsync(WriteOp op, CancellationToken ct)
    {
        var obj = kind.ToObject(op.Key, op.Value!, op.Labels, null);
        try
        {
            return kind.ToEntry(await Written(api.SendAsync("POST", kind.CollectionPath(op.Key.Namespace), obj, ct, key: op.Key), op.Key));
        }
        catch (DatastoreException e) when (e.Code == DatastoreErrorCode.AlreadyExists && kind.SoftDelete)
        {
            // A soft-deleted object of the same name is gone for every reader: finish its delete and create again.
            if (await GetAsync(op.Key, ct) is not null) throw;
            return kind.ToEntry(await Written(api.SendAsync("POST", kind.CollectionPath(op.Key.Namespace), obj, ct, key: op.Key), op.Key));
        }
    }

    public async Task<KvEntry> UpdateAsync(WriteOp op, CancellationToken ct)
    {
        var obj = kind.ToObject(op.Key, op.Value!, op.Labels, op.Revision);
        var written = await Written(api.SendAsync("PUT", kind.ObjectPath(op.Key), obj, ct, key: op.Key), op.Key);
        if (!kind.IsSoftDeleted(written)) return kind.ToEntry(written);
        await FinishDeleteAsync(op.Key, kind.ToEntry(written), ct);
        throw DatastoreException.NotFound(op.Key);
    }

    public async Task DeleteAsync(WriteOp op, CancellationToken ct)
    {
        if (!kind.SoftDelete)
        {
            await api.SendAsync("DELETE", kind.ObjectPath(op.Key), Preconditions(op.Uid, op.Revision), ct, key: op.Key);
            return;
        }
        // The mark is the linearisation point: a compare-and-swap on the revision read, as Calico's KDD does it.
        var marked = await Written(api.SendAsync("PATCH", kind.ObjectPath(op.Key), kind.SoftDeletePatch(op.Revision, op.Uid), ct, KubeApiClient.MergePatch, op.Key), op.Key);
        await FinishDeleteAsync(op.Key, kind.ToEntry(marked), ct);
    }

    public KvEntry? FromWatched(JsonObject obj, bool deleted) => deleted || !kind.IsSoftDeleted(obj) ? kind.ToEntry(obj) : null;

    /// <summary>Deletes a soft-deleted object by the UID and revision of its mark; someone else finishing first is fine.</summary>
    private async Task FinishDeleteAsync(ResourceKey key, KvEntry marked, CancellationToken ct)
    {
        try
        {
            await api.SendAsync("DELETE", kind.ObjectPath(key), Preconditions(marked.Uid, marked.Revision), ct, key: key);
        }
        catch (DatastoreException e) when (e.Code is DatastoreErrorCode.NotFound or DatastoreErrorCode.Conflict)
        {
        }
    }

    private static JsonObject? Preconditions(string? uid, long? revision)
    {
        if (uid is null && revision is null) return null;
        var pre = new JsonObject();
        if (uid is not null) pre["uid"] = uid;
        if (revision is { } rv) pre["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "DeleteOptions", ["preconditions"] = pre };
    }

    private static async Task<JsonObject> Written(Task<JsonObject?> request, ResourceKey key) =>
        await request ?? throw new DatastoreException(DatastoreErrorCode.Unavailable, $"Kubernetes API: empty answer writing {key}", key);
}
