using CniNet.Datastore;
using CniNet.Model.Felix;
using CniNet.Model.Ipam;
using CniNet.Model.Network;
using CniNet.Model.Resources;

namespace CniNet.Felix.Overlay;

/// <summary>
/// What the overlay is computed from, read in one batch (one consistent snapshot) from the datastore: Nodes, IPAM
/// blocks, IP pools and the FelixConfigurations that set VXLAN's VNI, port and MTU, as of store revision
/// <paramref name="Revision"/> (where a watch for later changes starts).
/// </summary>
public sealed record OverlaySource(
    string NodeName, IReadOnlyList<Node> Nodes, IReadOnlyList<IPAMBlock> Blocks, IReadOnlyList<IPPool> Pools, VxlanConfig Config, long Revision)
{
    /// <summary>Every kind the overlay depends on: a watcher re-reads and re-applies when any of them changes.</summary>
    public static readonly IReadOnlyList<string> Kinds =
    [
        ResourceKinds.Node.StoreKind, ResourceKinds.IPAMBlock.StoreKind, ResourceKinds.IPPool.StoreKind, PolicyKinds.FelixConfiguration.StoreKind,
    ];

    public static async Task<OverlaySource> ReadAsync(IDatastore store, string nodeName, CancellationToken ct = default)
    {
        var read = await store.ReadAsync([.. Kinds.Select(k => ReadOp.List(k))], ct);
        var felix = read.Many(3).Select(e => ResourceCodec.Decode<FelixConfiguration>(PolicyKinds.FelixConfiguration, e)).ToList();
        return new OverlaySource(
            nodeName,
            [.. read.Many(0).Select(e => ResourceCodec.Decode<Node>(ResourceKinds.Node, e))],
            [.. read.Many(1).Select(e => ResourceCodec.Decode<IPAMBlock>(ResourceKinds.IPAMBlock, e))],
            [.. read.Many(2).Select(e => ResourceCodec.Decode<IPPool>(ResourceKinds.IPPool, e))],
            VxlanConfig.From(
                felix.FirstOrDefault(f => f.Metadata.Name == FelixConfiguration.DefaultName)?.Spec,
                felix.FirstOrDefault(f => f.Metadata.Name == FelixConfiguration.NodePrefix + nodeName)?.Spec),
            read.Revision);
    }

    /// <summary>The plan for this node; empty when FelixConfiguration turns VXLAN off.</summary>
    public OverlayPlan Plan() => Config.Enabled == false ? OverlayPlan.Empty : OverlayCalculator.Plan(NodeName, Nodes, Blocks, Pools);
}
