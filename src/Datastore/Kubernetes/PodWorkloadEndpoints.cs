using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CniNet.Model.Naming;
using CniNet.Model.Policy;
using CniNet.Model.Resources;

namespace CniNet.Datastore.Kubernetes;

/// <summary>
/// WorkloadEndpoints in KDD are not stored: each is derived from its Pod as Calico's converter derives it (labels,
/// profiles <c>kns.</c>/<c>ksa.</c>, the <c>cali</c> veth name), and the CNI plugin's write is a merge patch of the
/// Pod's status setting <c>cni.projectcalico.org/podIP</c>, <c>podIPs</c> and <c>containerID</c>, with no revision
/// precondition (kubelet moves the Pod's resourceVersion on every status change). Deleting the endpoint removes those
/// annotations.
/// </summary>
internal sealed class PodWorkloadEndpoints(KubeApiClient api, string interfacePrefix) : IKubeKind
{
    public const string PodIPAnnotation = "cni.projectcalico.org/podIP";
    public const string PodIPsAnnotation = "cni.projectcalico.org/podIPs";
    public const string ContainerIDAnnotation = "cni.projectcalico.org/containerID";

    private static readonly KubeStoredKind Pods = KubeStoredKind.For(ResourceKinds.Pod.StoreKind);

    public string WatchCollection(string? ns) => Pods.CollectionPath(ns);

    public async Task<KvEntry?> GetAsync(ResourceKey key, CancellationToken ct)
    {
        if (WorkloadNames.ParseEndpoint(key.Name) is not { Orchestrator: "k8s" } parts) return null;
        var pod = await api.SendAsync("GET", Pods.ObjectPath(new ResourceKey(Pods.StoreKind, key.Namespace, parts.Workload)), null, ct, key: key, notFoundIsNull: true);
        return pod is null ? null : FromPod(pod, parts.Endpoint) is { } entry && entry.Key == key ? entry : null;
    }

    public async Task<(List<KvEntry> Items, long Revision)> ListAsync(string? ns, string? labelSelector, CancellationToken ct)
    {
        var (pods, revision) = await new StoredObjects(api, Pods).ListRawAsync(ns, ct);
        return (pods.Select(p => FromPod(p, "eth0")).OfType<KvEntry>().ToList(), revision);
    }

    public Task<KvEntry> CreateAsync(WriteOp op, CancellationToken ct) => WriteAsync(op, ct);

    public Task<KvEntry> UpdateAsync(WriteOp op, CancellationToken ct) => WriteAsync(op, ct);

    public async Task DeleteAsync(WriteOp op, CancellationToken ct)
    {
        if (WorkloadNames.ParseEndpoint(op.Key.Name) is not { } parts) throw DatastoreException.NotFound(op.Key);
        var patch = Annotations(new JsonObject { [PodIPAnnotation] = null, [PodIPsAnnotation] = null, [ContainerIDAnnotation] = null });
        await api.SendAsync("PATCH", StatusPath(op.Key.Namespace, parts.Workload), patch, ct, KubeApiClient.MergePatch, op.Key);
    }

    public KvEntry? FromWatched(JsonObject obj, bool deleted) => FromPod(obj, "eth0");

    private async Task<KvEntry> WriteAsync(WriteOp op, CancellationToken ct)
    {
        var endpoint = (WorkloadEndpoint?)JsonSerializer.Deserialize(op.Value!, PolicyKinds.WorkloadEndpoint.TypeInfo)
                       ?? throw new ArgumentException($"{op.Key}: no endpoint value");
        if (endpoint.Spec.Orchestrator != "k8s" || string.IsNullOrEmpty(endpoint.Spec.Pod))
            throw new DatastoreException(DatastoreErrorCode.NotSupported, $"{op.Key}: the Kubernetes datastore holds only Kubernetes pods' endpoints", op.Key);
        var networks = endpoint.Spec.IPNetworks ?? [];
        var patch = Annotations(new JsonObject
        {
            [PodIPAnnotation] = networks.FirstOrDefault(),
            [PodIPsAnnotation] = string.Join(',', networks),
            [ContainerIDAnnotation] = endpoint.Spec.ContainerID,
        });
        var pod = await api.SendAsync("PATCH", StatusPath(op.Key.Namespace, endpoint.Spec.Pod), patch, ct, KubeApiClient.MergePatch, op.Key)
                  ?? throw new DatastoreException(DatastoreErrorCode.Unavailable, $"Kubernetes API: empty answer writing {op.Key}", op.Key);
        var meta = (JsonObject)pod["metadata"]!;
        return new KvEntry(op.Key, op.Value!, KubeStoredKind.RevisionOf(meta), KubeStoredKind.Text(meta, "uid") ?? "", KubeStoredKind.CreatedOf(meta));
    }

    private static string StatusPath(string ns, string pod) => Pods.ObjectPath(new ResourceKey(Pods.StoreKind, ns, pod)) + "/status";

    private static JsonObject Annotations(JsonObject annotations) => new() { ["metadata"] = new JsonObject { ["annotations"] = annotations } };

    /// <summary>The endpoint a scheduled, non-host-network pod with addresses stands for; null for any other pod.</summary>
    private KvEntry? FromPod(JsonObject pod, string endpointName)
    {
        var meta = pod["metadata"] as JsonObject;
        var spec = pod["spec"] as JsonObject;
        var ns = KubeStoredKind.Text(meta, "namespace");
        var name = KubeStoredKind.Text(meta, "name");
        var node = KubeStoredKind.Text(spec, "nodeName");
        if (meta is null || ns is null || name is null || string.IsNullOrEmpty(node)) return null;
        if (spec?["hostNetwork"] is JsonValue host && host.TryGetValue<bool>(out var isHost) && isHost) return null;
        var annotations = meta["annotations"] as JsonObject;
        var networks = (KubeStoredKind.Text(annotations, PodIPsAnnotation) ?? KubeStoredKind.Text(annotations, PodIPAnnotation) ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (networks.Count == 0)
            networks = (pod["status"]?["podIPs"] as JsonArray ?? []).Select(p => KubeStoredKind.Text(p as JsonObject, "ip"))
                .OfType<string>().Where(ip => IPAddress.TryParse(ip, out _))
                .Select(ip => ip + (ip.Contains(':') ? "/128" : "/32")).ToList();
        if (networks.Count == 0) return null;
        var sa = KubeStoredKind.Text(spec, "serviceAccountName");
        var labels = (meta["labels"] as JsonObject ?? []).Where(l => l.Value is JsonValue)
            .ToDictionary(l => l.Key, l => l.Value!.GetValue<string>());
        labels["projectcalico.org/namespace"] = ns;
        labels["projectcalico.org/orchestrator"] = "k8s";
        if (!string.IsNullOrEmpty(sa)) labels["projectcalico.org/serviceaccount"] = sa;
        var endpoint = new WorkloadEndpoint
        {
            Metadata = new ObjectMeta { Name = WorkloadNames.Endpoint(node, "k8s", name, endpointName), Namespace = ns, Labels = labels },
            Spec = new WorkloadEndpointSpec
            {
                Orchestrator = "k8s",
                Node = node,
                Pod = name,
                Endpoint = endpointName,
                ContainerID = KubeStoredKind.Text(annotations, ContainerIDAnnotation),
                ServiceAccountName = string.IsNullOrEmpty(sa) ? null : sa,
                IPNetworks = networks,
                Profiles = string.IsNullOrEmpty(sa) ? [$"kns.{ns}"] : [$"kns.{ns}", $"ksa.{ns}.{sa}"],
                InterfaceName = WorkloadNames.PodVeth(interfacePrefix, ns, name),
            },
        };
        var key = ResourceCodec.KeyOf(PolicyKinds.WorkloadEndpoint, endpoint);
        return new KvEntry(key, ResourceCodec.Encode(PolicyKinds.WorkloadEndpoint, endpoint), KubeStoredKind.RevisionOf(meta),
            KubeStoredKind.Text(meta, "uid") ?? "", KubeStoredKind.CreatedOf(meta));
    }
}
