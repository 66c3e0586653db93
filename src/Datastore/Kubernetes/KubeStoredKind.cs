using System.Globalization;
using System.Text.Json.Nodes;
using CniNet.Model.Resources;

namespace CniNet.Datastore.Kubernetes;

/// <summary>
/// How one store kind is kept as Kubernetes objects: Calico's kinds as <c>crd.projectcalico.org/v1</c> custom resources
/// (the CRD's plural is the lower-cased kind made plural, as Calico's CRDs name them), the core kinds at <c>/api/v1</c>,
/// other Kubernetes kinds at their group's path (<c>/apis/networking.k8s.io/v1</c>).
/// The seam's value is the object without what the API server owns (apiVersion and kind, which the typed layer puts
/// back; name and namespace, which the key holds; resourceVersion, uid and creationTimestamp, which the entry holds),
/// so fields this model does not know stay on the object through a read-modify-write.
/// </summary>
internal sealed class KubeStoredKind(string storeKind, string apiVersion, string kind, string plural, bool namespaced)
{
    private static readonly HashSet<string> ServerOwned = ["name", "namespace", "resourceVersion", "uid", "creationTimestamp", "selfLink", "managedFields"];

    /// <summary>
    /// Calico's IPAM objects are deleted in two steps in KDD (the API offers no compare-and-delete Calico can rely on):
    /// first <c>spec.deleted</c> is set with the revision read, then the object is deleted by UID. A reader that finds
    /// the mark finishes the delete and sees nothing.
    /// </summary>
    public bool SoftDelete { get; } = storeKind is "IPAMBlock" or "BlockAffinity" or "IPAMHandle";

    public string StoreKind => storeKind;

    public static KubeStoredKind For(string storeKind)
    {
        var known = ResourceKinds.All.FirstOrDefault(k => k.StoreKind == storeKind);
        return known is { IsKubernetes: true }
            ? new KubeStoredKind(storeKind, known.ApiVersion, known.Kind, Plural(known.Kind), known.Namespaced)
            : new KubeStoredKind(storeKind, ResourceKind.CalicoCrdV1, storeKind, Plural(storeKind), known?.Namespaced ?? true);
    }

    /// <summary>Kubernetes plural resource names: lower case, "y" → "ies", "s" → "ses", else "s".</summary>
    public static string Plural(string kind)
    {
        var lower = kind.ToLowerInvariant();
        return lower.EndsWith('y') ? lower[..^1] + "ies" : lower.EndsWith('s') ? lower + "es" : lower + "s";
    }

    public string CollectionPath(string? ns)
    {
        var prefix = apiVersion == ResourceKind.CoreV1 ? "/api/v1" : "/apis/" + apiVersion;
        return namespaced && !string.IsNullOrEmpty(ns) ? $"{prefix}/namespaces/{ns}/{plural}" : $"{prefix}/{plural}";
    }

    public string ObjectPath(ResourceKey key) => $"{CollectionPath(key.Namespace)}/{Uri.EscapeDataString(key.Name)}";

    /// <summary>The object to send for a value; with <paramref name="revision"/> a PUT's compare-and-swap token.</summary>
    public JsonObject ToObject(ResourceKey key, byte[] value, IReadOnlyDictionary<string, string>? labels, long? revision)
    {
        var body = KubeApiClient.Parse(value) as JsonObject ?? [];
        var meta = body["metadata"] as JsonObject ?? [];
        body.Remove("metadata");
        body.Remove("apiVersion");
        body.Remove("kind");
        meta["name"] = key.Name;
        if (namespaced && key.Namespace.Length > 0) meta["namespace"] = key.Namespace;
        if (labels is not null) meta["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        if (revision is { } rv) meta["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        var obj = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind, ["metadata"] = meta };
        foreach (var (name, node) in body.ToList())
        {
            body.Remove(name);
            obj[name] = node;
        }
        return obj;
    }

    /// <summary>The entry an object read from the API stands for.</summary>
    public KvEntry ToEntry(JsonObject obj)
    {
        var meta = obj["metadata"] as JsonObject ?? throw new InvalidDataException($"a {kind} from the Kubernetes API has no metadata");
        var key = new ResourceKey(storeKind, namespaced ? Text(meta, "namespace") ?? "" : "", Text(meta, "name") ?? "");
        var value = new JsonObject();
        foreach (var (name, node) in obj)
        {
            if (name is "apiVersion" or "kind") continue;
            if (name == "metadata")
            {
                var kept = new JsonObject(meta.Where(p => !ServerOwned.Contains(p.Key)).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
                if (kept.Count > 0) value["metadata"] = kept;
                continue;
            }
            value[name] = node?.DeepClone();
        }
        return new KvEntry(key, KubeApiClient.Bytes(value), RevisionOf(meta), Text(meta, "uid") ?? "", CreatedOf(meta));
    }

    public bool IsSoftDeleted(JsonObject obj) =>
        SoftDelete && obj["spec"]?["deleted"] is JsonValue v
                   && ((v.TryGetValue<bool>(out var b) && b) || (v.TryGetValue<string>(out var s) && s == "true"));

    /// <summary>The merge patch that marks an IPAM object deleted: BlockAffinity's <c>deleted</c> is a string in Calico's CRD.</summary>
    public JsonObject SoftDeletePatch(long? revision, string? uid)
    {
        var meta = new JsonObject();
        if (revision is { } rv) meta["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        if (uid is not null) meta["uid"] = uid;
        return new JsonObject
        {
            ["metadata"] = meta,
            ["spec"] = new JsonObject { ["deleted"] = storeKind == "BlockAffinity" ? JsonValue.Create("true") : JsonValue.Create(true) },
        };
    }

    public static long RevisionOf(JsonObject meta) =>
        long.TryParse(Text(meta, "resourceVersion"), NumberStyles.None, CultureInfo.InvariantCulture, out var rv)
            ? rv
            : throw new InvalidDataException($"resourceVersion \"{Text(meta, "resourceVersion")}\" is not the integer the API server's etcd gives");

    public static DateTime CreatedOf(JsonObject meta) =>
        DateTime.TryParse(Text(meta, "creationTimestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : default;

    public static string? Text(JsonObject? obj, string name) => obj?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
