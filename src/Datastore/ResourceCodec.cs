using System.Globalization;
using System.Text.Json;
using CniNet.Model.Resources;

namespace CniNet.Datastore;

/// <summary>
/// Maps typed resources to stored values and back. The store owns <c>resourceVersion</c>, <c>uid</c> and
/// <c>creationTimestamp</c>: they are stripped before a write and filled in from the entry on a read.
/// </summary>
public static class ResourceCodec
{
    public static ResourceKey KeyOf(ResourceKind kind, string name, string? ns = null) =>
        new(kind.StoreKind, kind.Namespaced ? ns ?? "default" : "", name);

    public static ResourceKey KeyOf(ResourceKind kind, Resource resource) => KeyOf(kind, resource.Metadata.Name, resource.Metadata.Namespace);

    public static long RevisionOf(Resource resource) =>
        long.TryParse(resource.Metadata.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var rev)
            ? rev
            : throw new ArgumentException($"{resource.Kind} {resource.Metadata.Name} has no valid resourceVersion");

    /// <summary>
    /// The stored value: the resource with the store-owned metadata left out. The caller's metadata object is not
    /// touched (decoded objects may be shared between threads); the resource briefly carries a stripped copy.
    /// </summary>
    public static byte[] Encode(ResourceKind kind, Resource resource)
    {
        var meta = resource.Metadata;
        resource.Metadata = new ObjectMeta
        {
            Name = meta.Name, Namespace = kind.Namespaced ? meta.Namespace : null, DeletionTimestamp = meta.DeletionTimestamp,
            Generation = meta.Generation, Labels = meta.Labels, Annotations = meta.Annotations, Finalizers = meta.Finalizers, Extra = meta.Extra,
        };
        resource.ApiVersion = kind.ApiVersion;
        resource.Kind = kind.Kind;
        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(resource, kind.TypeInfo);
        }
        finally
        {
            resource.Metadata = meta;
        }
    }

    public static T Decode<T>(ResourceKind kind, KvEntry entry) where T : Resource
    {
        var resource = (T)(JsonSerializer.Deserialize(entry.Value, kind.TypeInfo)
                           ?? throw new InvalidDataException($"stored {entry.Key} is null"));
        resource.ApiVersion = kind.ApiVersion;
        resource.Kind = kind.Kind;
        var meta = resource.Metadata;
        meta.Name = entry.Key.Name;
        meta.Namespace = kind.Namespaced ? entry.Key.Namespace : null;
        meta.ResourceVersion = entry.Revision.ToString(CultureInfo.InvariantCulture);
        meta.Uid = entry.Uid;
        meta.CreationTimestamp = entry.Created;
        return resource;
    }

    public static WriteOp Create(ResourceKind kind, Resource resource) =>
        WriteOp.Create(KeyOf(kind, resource), Encode(kind, resource), resource.Metadata.Labels);

    public static WriteOp Update(ResourceKind kind, Resource resource) =>
        WriteOp.Update(KeyOf(kind, resource), Encode(kind, resource), RevisionOf(resource), resource.Metadata.Labels);

    public static WriteOp Delete(ResourceKind kind, Resource resource) =>
        WriteOp.Delete(KeyOf(kind, resource), RevisionOf(resource), resource.Metadata.Uid);
}
