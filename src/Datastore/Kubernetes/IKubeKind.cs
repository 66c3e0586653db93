using System.Text.Json.Nodes;

namespace CniNet.Datastore.Kubernetes;

/// <summary>
/// One store kind's operations in the Kubernetes API. Most kinds are objects of their own (<see cref="StoredObjects"/>);
/// a WorkloadEndpoint is a view of its Pod and a Calico Node a view of the Kubernetes Node, as in Calico's KDD.
/// </summary>
internal interface IKubeKind
{
    Task<KvEntry?> GetAsync(ResourceKey key, CancellationToken ct);

    /// <summary>
    /// Every object of the kind (in one namespace when given) and the list's resourceVersion. A kind kept as objects of
    /// its own asks the API server to filter by <paramref name="labelSelector"/> (Kubernetes' grammar); a view ignores
    /// it, and the caller filters in any case.
    /// </summary>
    Task<(List<KvEntry> Items, long Revision)> ListAsync(string? ns, string? labelSelector, CancellationToken ct);

    Task<KvEntry> CreateAsync(WriteOp op, CancellationToken ct);

    Task<KvEntry> UpdateAsync(WriteOp op, CancellationToken ct);

    Task DeleteAsync(WriteOp op, CancellationToken ct);

    /// <summary>The collection a watch of this kind follows (in one namespace when given).</summary>
    string WatchCollection(string? ns);

    /// <summary>
    /// The entry a watched object stands for, or null when it is not one of this kind's objects (or, unless
    /// <paramref name="deleted"/>, when it is only marked for deletion).
    /// </summary>
    KvEntry? FromWatched(JsonObject obj, bool deleted);
}
