using System.Net;
using CniNet.Felix.Overlay;
using CniNet.Model.Ipam;
using CniNet.Model.Net;
using CniNet.Model.Network;
using CniNet.Model.Resources;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CniNet.Tests.Property.Overlay;

/// <summary>
/// The overlay plan over random clusters: nodes on two underlay subnets, some without a VTEP yet; pools in each
/// vxlanMode; blocks owned by any node, by none, or deleted.
/// </summary>
public sealed class OverlayCalculatorProperties
{
    private static readonly string?[] Modes = [IPPoolSpec.ModeAlways, IPPoolSpec.ModeCrossSubnet, IPPoolSpec.ModeNever, null];

    /// <summary>A cluster and the node planning, built from random numbers.</summary>
    private sealed record Cluster(string Self, List<Node> Nodes, List<IPPool> Pools, List<IPAMBlock> Blocks)
    {
        public static Cluster From(int[] seed)
        {
            int At(int i) => seed.Length == 0 ? 0 : seed[i % seed.Length];
            var nodeCount = 2 + At(0) % 5;
            var nodes = Enumerable.Range(0, nodeCount).Select(i => Node(i, subnet: At(i + 1) % 2, hasVtep: At(i + 2) % 5 != 0)).ToList();
            var pools = Enumerable.Range(0, 2).Select(p => Pool(p, Modes[At(p + 7) % Modes.Length])).ToList();
            var blocks = new List<IPAMBlock>();
            for (var b = 0; b < At(3) % 12; b++)
            {
                var owner = At(b + 11) % (nodeCount + 1);
                blocks.Add(Block(pool: b % 2, index: b, owner: owner == nodeCount ? null : $"node-{owner}", deleted: At(b + 5) % 7 == 0));
            }
            return new Cluster($"node-{At(4) % nodeCount}", nodes, pools, blocks);
        }

        public OverlayPlan Plan() => OverlayCalculator.Plan(Self, Nodes, Blocks, Pools);

        public Vtep? VtepOf(string node) => Nodes.Where(n => n.Metadata.Name == node).Select(OverlayCalculator.VtepOf).SingleOrDefault();

        public string? ModeOf(Cidr block) => Pools.Single(p => Cidr.Parse(p.Spec.Cidr).Contains(block)).Spec.VxlanMode;

        public override string ToString() =>
            $"self {Self}; nodes {string.Join(", ", Nodes.Select(n => $"{n.Metadata.Name}@{n.Spec.Bgp!.IPv4Address}{(n.Spec.IPv4VXLANTunnelAddr is null ? "" : "+vtep")}"))}; "
            + $"pools {string.Join(", ", Pools.Select(p => $"{p.Spec.Cidr}:{p.Spec.VxlanMode}"))}; "
            + $"blocks {string.Join(", ", Blocks.Select(b => $"{b.Spec.Cidr}:{b.Spec.Affinity}{(b.Spec.Deleted ? ":deleted" : "")}"))}";
    }

    private static Arbitrary<Cluster> Clusters => Gen.Choose(0, 1000).ArrayOf().Select(Cluster.From).ToArbitrary();

    private static void ForAll(Action<Cluster> property) =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(Clusters, property));

    [Fact]
    public void Every_live_block_of_a_remote_vtep_in_a_vxlan_pool_gets_exactly_one_route_and_nothing_else_does() => ForAll(cluster =>
    {
        var plan = cluster.Plan();
        var expected = cluster.VtepOf(cluster.Self) is null
            ? []
            : cluster.Blocks
                .Where(b => !b.Spec.Deleted && b.Spec.Affinity is { } a && a != $"host:{cluster.Self}"
                            && plan.Remotes.Any(v => $"host:{v.Node}" == a)
                            && cluster.ModeOf(Cidr.Parse(b.Spec.Cidr)) is IPPoolSpec.ModeAlways or IPPoolSpec.ModeCrossSubnet)
                .Select(b => Cidr.Parse(b.Spec.Cidr))
                .Order()
                .ToList();
        Assert.Equal(expected, plan.Routes.Select(r => r.Block));
        Assert.All(plan.Routes, r => Assert.Equal(cluster.Blocks.Single(b => Cidr.Parse(b.Spec.Cidr) == r.Block).Spec.Affinity, $"host:{r.Node}"));
    });

    [Fact]
    public void Always_encapsulates_and_CrossSubnet_goes_direct_exactly_within_the_subnet() => ForAll(cluster =>
    {
        var plan = cluster.Plan();
        foreach (var route in plan.Routes)
        {
            var local = cluster.VtepOf(cluster.Self)!;
            var remote = cluster.VtepOf(route.Node)!;
            var direct = cluster.ModeOf(route.Block) == IPPoolSpec.ModeCrossSubnet && local.NodeSubnet.Masked() == remote.NodeSubnet.Masked();
            Assert.Equal(!direct, route.Encapsulated);
            Assert.Equal(direct ? remote.NodeAddress : remote.TunnelAddress, route.Gateway);
        }
    });

    [Fact]
    public void Remote_vteps_are_every_other_node_with_a_vtep_of_its_own_and_vxlan_is_accepted_from_their_addresses() => ForAll(cluster =>
    {
        var plan = cluster.Plan();
        var local = cluster.VtepOf(cluster.Self);
        var vxlanInUse = cluster.Pools.Any(p => p.Spec.VxlanMode is IPPoolSpec.ModeAlways or IPPoolSpec.ModeCrossSubnet);
        if (local is null || !vxlanInUse)
        {
            Assert.Equal(OverlayPlan.Empty, plan);
            return;
        }
        Assert.Equal(local, plan.Local);
        var others = cluster.Nodes.Where(n => n.Metadata.Name != cluster.Self).Select(OverlayCalculator.VtepOf).OfType<Vtep>().ToList();
        Assert.Subset(others.ToHashSet(), plan.Remotes.ToHashSet());
        Assert.Equal(plan.Remotes.OrderBy(v => v.Node, StringComparer.Ordinal), plan.Remotes);
        var kept = plan.Remotes.Append(local).ToList();
        Assert.Equal(kept.Count, kept.Select(v => v.TunnelAddress).Distinct().Count());
        Assert.Equal(kept.Count, kept.Select(v => v.Mac).Distinct().Count());
        // A VTEP is left out only for repeating the address or MAC of one kept.
        Assert.All(others.Except(plan.Remotes), v => Assert.Contains(kept, k => k.TunnelAddress.Equals(v.TunnelAddress) || k.Mac.Equals(v.Mac)));
        Assert.Equal(plan.Remotes.Select(v => v.NodeAddress).ToHashSet(), plan.KnownNodeAddresses.ToHashSet());
        Assert.DoesNotContain(local.NodeAddress, plan.KnownNodeAddresses);
    });

    private static Node Node(int index, int subnet, bool hasVtep) => new()
    {
        ApiVersion = ResourceKinds.Node.ApiVersion,
        Kind = ResourceKinds.Node.Kind,
        Metadata = new ObjectMeta { Name = $"node-{index}" },
        Spec = new NodeSpec
        {
            Bgp = new NodeBgpSpec { IPv4Address = $"172.31.{subnet}.{index + 1}/24" },
            // Nodes 4 and 5 repeat the tunnel address of nodes 0 and 1, and node 5 also node 2's MAC: misconfigurations.
            IPv4VXLANTunnelAddr = hasVtep ? $"10.{60 + index % 4}.0.1" : null,
            VxlanTunnelMACAddr = hasVtep ? $"66:0a:00:00:00:{(index == 5 ? 2 : index) + 1:x2}" : null,
        },
    };

    private static IPPool Pool(int index, string? mode) => new()
    {
        ApiVersion = ResourceKinds.IPPool.ApiVersion,
        Kind = ResourceKinds.IPPool.Kind,
        Metadata = new ObjectMeta { Name = $"pool-{index}" },
        Spec = new IPPoolSpec { Cidr = $"10.{100 + index}.0.0/16", VxlanMode = mode },
    };

    private static IPAMBlock Block(int pool, int index, string? owner, bool deleted) => new()
    {
        ApiVersion = ResourceKinds.IPAMBlock.ApiVersion,
        Kind = ResourceKinds.IPAMBlock.Kind,
        Metadata = new ObjectMeta { Name = $"10-{100 + pool}-{index}-0-26" },
        Spec = new IPAMBlockSpec { Cidr = $"10.{100 + pool}.{index}.0/26", Affinity = owner is null ? null : $"host:{owner}", Deleted = deleted },
    };
}
