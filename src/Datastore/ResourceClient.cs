using CniNet.Model.Ipam;
using CniNet.Model.Network;
using CniNet.Model.Resources;
using CniNet.Model.Validation;

namespace CniNet.Datastore;

/// <summary>
/// Typed create/replace/apply/get/delete of user resources, with Calico's validation, as calicoctl does them.
/// <c>IPAMConfiguration</c> is stored in its <c>crd.projectcalico.org/v1</c> shape (IPAMConfig), as in Kubernetes.
/// </summary>
public sealed class ResourceClient(IDatastore store)
{
    public IDatastore Store { get; } = store;

    public async Task<Resource?> GetAsync(ResourceKind kind, string name, string? ns = null, CancellationToken ct = default)
    {
        var stored = Storage(kind);
        var entry = await Store.GetAsync(ResourceCodec.KeyOf(stored, name, ns), ct);
        return entry is null ? null : Present(kind, ResourceCodec.Decode<Resource>(stored, entry));
    }

    public async Task<IReadOnlyList<Resource>> ListAsync(ResourceKind kind, string? ns = null, CancellationToken ct = default)
    {
        var stored = Storage(kind);
        var (items, _) = await Store.ListAsync(stored.StoreKind, stored.Namespaced ? ns : null, ct: ct);
        return items.Select(e => Present(kind, ResourceCodec.Decode<Resource>(stored, e))).ToList();
    }

    /// <summary>Creates the resource; fails with AlreadyExists when it is there.</summary>
    public Task<Resource> CreateAsync(Resource resource, CancellationToken ct = default) => WriteAsync(resource, WriteMode.Create, ct);

    /// <summary>Replaces an existing resource, at the revision given in its metadata if any.</summary>
    public Task<Resource> ReplaceAsync(Resource resource, CancellationToken ct = default) => WriteAsync(resource, WriteMode.Replace, ct);

    /// <summary>Creates or replaces.</summary>
    public Task<Resource> ApplyAsync(Resource resource, CancellationToken ct = default) => WriteAsync(resource, WriteMode.Apply, ct);

    public async Task DeleteAsync(ResourceKind kind, string name, string? ns = null, CancellationToken ct = default)
    {
        var stored = Storage(kind);
        await Store.DeleteAsync(ResourceCodec.KeyOf(stored, name, ns), ct: ct);
    }

    /// <summary>Checks a batch without writing anything: each resource alone, then pools against each other and the store.</summary>
    public async Task ValidateAllAsync(IReadOnlyList<Resource> resources, CancellationToken ct = default)
    {
        foreach (var resource in resources) ResourceValidator.ThrowIfInvalid(resource);
        var incoming = resources.OfType<IPPool>().ToList();
        if (incoming.Count == 0) return;
        var existing = (await ListAsync(ResourceKinds.IPPool, ct: ct)).Cast<IPPool>().ToList();
        foreach (var pool in incoming)
        {
            var others = existing.Where(e => e.Metadata.Name != pool.Metadata.Name).Concat(incoming.Where(p => !ReferenceEquals(p, pool)));
            var problems = IPPoolRules.CheckAgainst(pool, existing.FirstOrDefault(e => e.Metadata.Name == pool.Metadata.Name), others);
            if (problems.Count > 0) throw new ResourceValidationException($"IPPool \"{pool.Metadata.Name}\" is invalid: {string.Join("; ", problems)}");
        }
    }

    private enum WriteMode
    {
        Create,
        Replace,
        Apply,
    }

    private async Task<Resource> WriteAsync(Resource resource, WriteMode mode, CancellationToken ct)
    {
        var kind = ResourceKinds.ForDocument(resource.ApiVersion, resource.Kind)
                   ?? throw new ResourceValidationException($"resource type '{resource.Kind}' with apiVersion '{resource.ApiVersion}' is not supported");
        ResourceValidator.ThrowIfInvalid(resource);
        var stored = Storage(kind);
        var toStore = StorageShape(kind, resource);
        var key = ResourceCodec.KeyOf(stored, toStore);
        for (var attempt = 0; ; attempt++)
        {
            var current = await Store.GetAsync(key, ct);
            if (resource is IPPool pool) await CheckPoolAsync(pool, current is null ? null : ResourceCodec.Decode<IPPool>(stored, current), ct);
            try
            {
                KvEntry written;
                if (current is null)
                {
                    if (mode == WriteMode.Replace) throw DatastoreException.NotFound(key);
                    written = await Store.CreateAsync(key, ResourceCodec.Encode(stored, toStore), toStore.Metadata.Labels, ct);
                }
                else
                {
                    if (mode == WriteMode.Create) throw DatastoreException.AlreadyExists(key);
                    var revision = resource.Metadata.ResourceVersion is { Length: > 0 } ? ResourceCodec.RevisionOf(resource) : current.Revision;
                    written = await Store.UpdateAsync(key, ResourceCodec.Encode(stored, toStore), revision, toStore.Metadata.Labels, ct);
                }
                return Present(kind, ResourceCodec.Decode<Resource>(stored, written));
            }
            catch (DatastoreException e) when (e.Code is DatastoreErrorCode.Conflict or DatastoreErrorCode.AlreadyExists
                                               && resource.Metadata.ResourceVersion is not { Length: > 0 } && mode == WriteMode.Apply && attempt < 10)
            {
                // Someone wrote in between and the caller named no revision: apply again on top of the new state.
            }
        }
    }

    private async Task CheckPoolAsync(IPPool pool, IPPool? existing, CancellationToken ct)
    {
        var others = (await ListAsync(ResourceKinds.IPPool, ct: ct)).Cast<IPPool>();
        var problems = IPPoolRules.CheckAgainst(pool, existing, others);
        if (problems.Count > 0) throw new ResourceValidationException($"IPPool \"{pool.Metadata.Name}\" is invalid: {string.Join("; ", problems)}");
    }

    private static ResourceKind Storage(ResourceKind kind) => kind == ResourceKinds.IPAMConfiguration ? ResourceKinds.IPAMConfig : kind;

    private static Resource StorageShape(ResourceKind kind, Resource resource) =>
        resource is IPAMConfiguration config && kind == ResourceKinds.IPAMConfiguration
            ? new IPAMConfig { Metadata = config.Metadata, Spec = config.Spec, Extra = config.Extra }
            : resource;

    private static Resource Present(ResourceKind kind, Resource resource) =>
        resource is IPAMConfig config && kind == ResourceKinds.IPAMConfiguration
            ? new IPAMConfiguration { ApiVersion = kind.ApiVersion, Kind = kind.Kind, Metadata = config.Metadata, Spec = config.Spec, Extra = config.Extra }
            : resource;
}
