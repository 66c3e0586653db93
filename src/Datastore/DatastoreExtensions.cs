using CniNet.Model.Selectors;

namespace CniNet.Datastore;

public static class DatastoreExtensions
{
    public static async Task<KvEntry?> GetAsync(this IDatastore store, ResourceKey key, CancellationToken ct = default) =>
        (await store.ReadAsync([ReadOp.Get(key)], ct)).Single(0);

    public static async Task<(IReadOnlyList<KvEntry> Items, long Revision)> ListAsync(
        this IDatastore store, string kind, string? ns = null, Selector? labels = null, string? namePrefix = null, CancellationToken ct = default)
    {
        var result = await store.ReadAsync([ReadOp.List(kind, ns, labels, namePrefix)], ct);
        return (result.Many(0), result.Revision);
    }

    public static async Task<KvEntry> CreateAsync(this IDatastore store, ResourceKey key, byte[] value,
        IReadOnlyDictionary<string, string>? labels = null, CancellationToken ct = default) =>
        (await store.CommitAsync([WriteOp.Create(key, value, labels)], ct))[0]!;

    public static async Task<KvEntry> UpdateAsync(this IDatastore store, ResourceKey key, byte[] value, long revision,
        IReadOnlyDictionary<string, string>? labels = null, CancellationToken ct = default) =>
        (await store.CommitAsync([WriteOp.Update(key, value, revision, labels)], ct))[0]!;

    public static Task DeleteAsync(this IDatastore store, ResourceKey key, long? revision = null, string? uid = null,
        CancellationToken ct = default) =>
        store.CommitAsync([WriteOp.Delete(key, revision, uid)], ct);
}
