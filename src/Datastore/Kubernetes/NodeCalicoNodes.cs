using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CniNet.Model.Network;
using CniNet.Model.Resources;

namespace CniNet.Datastore.Kubernetes;

/// <summary>
/// A Calico Node in KDD is the Kubernetes Node: its labels, and Calico's fields kept as the node's
/// <c>projectcalico.org/*</c> annotations (BGP addresses and AS number, route reflector cluster ID, VXLAN tunnel
/// address and MAC). Updates patch those annotations with the revision read; nodes are created and deleted by the
/// cluster, not through Calico.
/// </summary>
internal sealed class NodeCalicoNodes(KubeApiClient api) : IKubeKind
{
    private const string IPv4Address = "projectcalico.org/IPv4Address";
    private const string IPv6Address = "projectcalico.org/IPv6Address";
    private const string AsNumber = "projectcalico.org/ASNumber";
    private const string RouteReflectorClusterID = "projectcalico.org/RouteReflectorClusterID";
    private const string VxlanTunnelAddr = "projectcalico.org/IPv4VXLANTunnelAddr";
    private const string VxlanTunnelMac = "projectcalico.org/VXLANTunnelMACAddr";

    private static readonly KubeStoredKind Nodes = KubeStoredKind.For(ResourceKinds.KubernetesNode.StoreKind);

    public string WatchCollection(string? ns) => Nodes.CollectionPath(null);

    public async Task<KvEntry?> GetAsync(ResourceKey key, CancellationToken ct) =>
        await api.SendAsync("GET", Nodes.ObjectPath(key with { Kind = Nodes.StoreKind }), null, ct, key: key, notFoundIsNull: true) is { } node ? FromNode(node) : null;

    public async Task<(List<KvEntry> Items, long Revision)> ListAsync(string? ns, string? labelSelector, CancellationToken ct)
    {
        var (nodes, revision) = await new StoredObjects(api, Nodes).ListRawAsync(null, ct);
        return (nodes.Select(FromNode).ToList(), revision);
    }

    public Task<KvEntry> CreateAsync(WriteOp op, CancellationToken ct) => throw NotSupported(op.Key, "created");

    public Task DeleteAsync(WriteOp op, CancellationToken ct) => throw NotSupported(op.Key, "deleted");

    public async Task<KvEntry> UpdateAsync(WriteOp op, CancellationToken ct)
    {
        var node = (Node?)JsonSerializer.Deserialize(op.Value!, ResourceKinds.Node.TypeInfo) ?? throw new ArgumentException($"{op.Key}: no node value");
        var bgp = node.Spec.Bgp;
        var meta = new JsonObject
        {
            ["annotations"] = new JsonObject
            {
                [IPv4Address] = bgp?.IPv4Address,
                [IPv6Address] = bgp?.IPv6Address,
                [AsNumber] = bgp?.AsNumber?.ToString(CultureInfo.InvariantCulture),
                [RouteReflectorClusterID] = bgp?.RouteReflectorClusterID,
                [VxlanTunnelAddr] = node.Spec.IPv4VXLANTunnelAddr,
                [VxlanTunnelMac] = node.Spec.VxlanTunnelMACAddr,
            },
        };
        if (op.Revision is { } rv) meta["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        var written = await api.SendAsync("PATCH", Nodes.ObjectPath(op.Key with { Kind = Nodes.StoreKind }), new JsonObject { ["metadata"] = meta }, ct, KubeApiClient.MergePatch, op.Key)
                      ?? throw new DatastoreException(DatastoreErrorCode.Unavailable, $"Kubernetes API: empty answer writing {op.Key}", op.Key);
        return FromNode(written);
    }

    public KvEntry? FromWatched(JsonObject obj, bool deleted) => FromNode(obj);

    private static KvEntry FromNode(JsonObject k8sNode)
    {
        var meta = (JsonObject)k8sNode["metadata"]!;
        var annotations = meta["annotations"] as JsonObject;
        string? Annotation(string name) => KubeStoredKind.Text(annotations, name) is { Length: > 0 } v ? v : null;
        var name = KubeStoredKind.Text(meta, "name") ?? "";
        var bgp = new NodeBgpSpec
        {
            IPv4Address = Annotation(IPv4Address),
            IPv6Address = Annotation(IPv6Address),
            AsNumber = uint.TryParse(Annotation(AsNumber), NumberStyles.None, CultureInfo.InvariantCulture, out var asn) ? asn : null,
            RouteReflectorClusterID = Annotation(RouteReflectorClusterID),
        };
        var node = new Node
        {
            Metadata = new ObjectMeta
            {
                Name = name,
                Labels = (meta["labels"] as JsonObject ?? []).Where(l => l.Value is JsonValue).ToDictionary(l => l.Key, l => l.Value!.GetValue<string>()),
            },
            Spec = new NodeSpec
            {
                Bgp = bgp.IPv4Address is null && bgp.IPv6Address is null ? null : bgp,
                IPv4VXLANTunnelAddr = Annotation(VxlanTunnelAddr),
                VxlanTunnelMACAddr = Annotation(VxlanTunnelMac),
                Addresses = (k8sNode["status"]?["addresses"] as JsonArray ?? []).OfType<JsonObject>()
                    .Where(a => KubeStoredKind.Text(a, "type") is "InternalIP" or "ExternalIP")
                    .Select(a => new NodeAddress { Address = KubeStoredKind.Text(a, "address") ?? "", Type = KubeStoredKind.Text(a, "type") }).ToList(),
                OrchRefs = [new OrchRef { NodeName = name, Orchestrator = "k8s" }],
            },
        };
        return new KvEntry(ResourceCodec.KeyOf(ResourceKinds.Node, node), ResourceCodec.Encode(ResourceKinds.Node, node),
            KubeStoredKind.RevisionOf(meta), KubeStoredKind.Text(meta, "uid") ?? "", KubeStoredKind.CreatedOf(meta));
    }

    private static DatastoreException NotSupported(ResourceKey key, string what) =>
        new(DatastoreErrorCode.NotSupported, $"{key}: in the Kubernetes datastore a Calico Node is the cluster's Node and is not {what} through Calico", key);
}
