using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using CniNet.Datastore;
using CniNet.Felix.Calc;
using CniNet.Felix.Dataplane;
using CniNet.Felix.Overlay;
using CniNet.IpamCore;
using CniNet.Linux;
using CniNet.Model.Network;
using CniNet.Model.Policy;
using CniNet.Model.Resources;
using CniNet.Tests.Integration.Linux;
using Xunit;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// The VXLAN overlay with real cross-node traffic: pods made by the CNI executables on two node namespaces reach each
/// other only through <c>vxlan.calico</c>, policy on the receiving node still decides, and what a node or block
/// takes with it when it goes is removed from the other node's kernel.
/// </summary>
public sealed class VxlanOverlayTests
{
    [Fact]
    public async Task Pods_on_two_nodes_reach_each_other_through_vxlan_calico()
    {
        await using var lab = await VxlanLab.StartAsync();
        Assert.False(VxlanLab.Pings(lab.PodA, lab.PodB));

        await lab.ReconcileAsync();
        var txBefore = VxlanLab.VxlanCounter(lab.A, "tx_packets");
        var rxBefore = VxlanLab.VxlanCounter(lab.B, "rx_packets");

        Assert.True(VxlanLab.Pings(lab.PodA, lab.PodB));
        Assert.True(await lab.PodA.ReachesAsync(lab.PodB, ProtocolType.Tcp, VxlanLab.Port, CorpusTraffic.ConnectTimeout));
        Assert.True(await lab.PodB.ReachesAsync(lab.PodA, ProtocolType.Tcp, VxlanLab.Port, CorpusTraffic.ConnectTimeout));
        // Three echo requests and a TCP handshake's two packets at least went out of A's VTEP and into B's.
        Assert.True(VxlanLab.VxlanCounter(lab.A, "tx_packets") - txBefore >= 5);
        Assert.True(VxlanLab.VxlanCounter(lab.B, "rx_packets") - rxBefore >= 5);

        var nodeB = (Node)(await lab.Resources.GetAsync(ResourceKinds.Node, "node-b"))!;
        var vtepB = OverlayCalculator.VtepOf(nodeB)!;
        var device = lab.A.HostNetlink.GetLink(VxlanOverlay.DeviceName)!;
        Assert.Equal(new VxlanSettings(4096, IPAddress.Parse("172.31.0.1"), lab.A.HostNetlink.GetLink("under0")!.Index, 4789), device.Vxlan);
        Assert.Equal(1450, device.Mtu);
        var blockB = Assert.Single(await BlocksOfAsync(lab, "node-b"));
        var expectedRoute = new RouteSpec(blockB.NetworkAddress, blockB.PrefixLength)
        {
            Gateway = vtepB.TunnelAddress, OutputInterface = device.Index, OnLink = true, Protocol = VxlanOverlay.RouteProtocol,
        };
        Assert.Equal([expectedRoute], OverlayRoutes(lab.A));
        Assert.Equal(
            new NeighbourEntry(device.Index, vtepB.TunnelAddress, vtepB.Mac, NeighbourState.Permanent),
            Assert.Single(lab.A.HostNetlink.ListNeighbours(AddressFamily.InterNetwork, device.Index), n => n.State == NeighbourState.Permanent));
        Assert.Equal(
            new FdbEntry(device.Index, vtepB.Mac, IPAddress.Parse("172.31.0.2"), NeighbourState.Permanent, Self: true),
            Assert.Single(lab.A.HostNetlink.ListFdbEntries(device.Index), e => e.Destination is not null));
        Assert.Equal(
            new AddressInfo(device.Index, OverlayCalculator.VtepOf((Node)(await lab.Resources.GetAsync(ResourceKinds.Node, "node-a"))!)!.TunnelAddress, 32, RouteScope.Universe, AddressFlags.Permanent),
            Assert.Single(lab.A.HostNetlink.ListAddresses(device.Index, AddressFamily.InterNetwork)));

        await lab.ReconcileAsync();

        Assert.Equal(device.Index, lab.A.HostNetlink.GetLink(VxlanOverlay.DeviceName)!.Index);
        Assert.Equal([expectedRoute], OverlayRoutes(lab.A));
        Assert.True(VxlanLab.Pings(lab.PodA, lab.PodB));
    }

    [Fact]
    public async Task Policy_on_the_receiving_node_decides_cross_node_traffic()
    {
        await using var lab = await VxlanLab.StartAsync();
        await lab.ReconcileAsync();
        var dataplane = new NftablesDataplane(new InProcessNft(lab.NftB));
        var endpoints = new[] { new WorkloadInterface(lab.PodB.Key, lab.PodB.HostInterface) };
        var pods = ClusterState.Empty.WithNamespace("default", ImmutableDictionary<string, string>.Empty)
            .WithPod(Endpoint(lab.PodA, "a"))
            .WithPod(Endpoint(lab.PodB, "b"));

        var denied = dataplane.Apply(pods.WithGlobalNetworkPolicy(IngressToB(new Rule { Action = Rule.ActionDeny })), endpoints);

        Assert.True(denied.Succeeded, denied.Error);
        Assert.False(await lab.PodA.ReachesAsync(lab.PodB, ProtocolType.Tcp, VxlanLab.Port, CorpusTraffic.ConnectTimeout));

        var allowed = dataplane.Apply(
            pods.WithGlobalNetworkPolicy(IngressToB(new Rule { Action = Rule.ActionAllow, Source = new EntityRule { Selector = "pod == 'a'" } })),
            endpoints);

        Assert.True(allowed.Succeeded, allowed.Error);
        Assert.True(await lab.PodA.ReachesAsync(lab.PodB, ProtocolType.Tcp, VxlanLab.Port, CorpusTraffic.ConnectTimeout));
    }

    [Fact]
    public async Task A_block_and_then_a_node_going_away_take_their_route_arp_and_fdb_entries_with_them()
    {
        await using var lab = await VxlanLab.StartAsync();
        await lab.ReconcileAsync();
        Assert.True(VxlanLab.Pings(lab.PodA, lab.PodB));
        var device = lab.A.HostNetlink.GetLink(VxlanOverlay.DeviceName)!.Index;
        var blockB = Assert.Single(await BlocksOfAsync(lab, "node-b"));

        await lab.Store.Store.DeleteAsync(ResourceCodec.KeyOf(ResourceKinds.IPAMBlock, IpamNames.Block(blockB)));
        await lab.ReconcileAsync();

        Assert.Empty(OverlayRoutes(lab.A));
        Assert.False(VxlanLab.Pings(lab.PodA, lab.PodB));
        Assert.Single(lab.A.HostNetlink.ListFdbEntries(device), e => e.Destination is not null);

        await lab.Resources.DeleteAsync(ResourceKinds.Node, "node-b");
        await lab.ReconcileAsync();

        Assert.DoesNotContain(lab.A.HostNetlink.ListNeighbours(AddressFamily.InterNetwork, device), n => n.State == NeighbourState.Permanent);
        Assert.DoesNotContain(lab.A.HostNetlink.ListFdbEntries(device), e => e.Destination is not null);
        Assert.DoesNotContain("172.31.0.2", TestNamespaces.Exec(lab.A.Host, "nft", "list", "set", "inet", "calico-vxlan", "all-vxlan-net").Stdout);
        // node-b, whose Node is gone, takes its whole overlay down; node-a keeps its device for the nodes to come.
        Assert.Null(lab.B.HostNetlink.GetLink(VxlanOverlay.DeviceName));
        Assert.Empty(OverlayRoutes(lab.B));
        Assert.NotNull(lab.A.HostNetlink.GetLink(VxlanOverlay.DeviceName));
    }

    private static IReadOnlyList<RouteSpec> OverlayRoutes(Cni.CniNode node) =>
        [.. node.HostNetlink.ListRoutes(AddressFamily.InterNetwork).Where(r => r.Protocol == VxlanOverlay.RouteProtocol)];

    private static async Task<IReadOnlyList<Model.Net.Cidr>> BlocksOfAsync(VxlanLab lab, string node) =>
        [.. (await lab.Resources.ListAsync(ResourceKinds.IPAMBlock)).Cast<Model.Ipam.IPAMBlock>()
            .Where(b => b.Spec.Affinity == $"host:{node}").Select(b => Model.Net.Cidr.Parse(b.Spec.Cidr))];

    private static PodEndpoint Endpoint(PolicyPod pod, string label) =>
        new("default", pod.Key["default/".Length..], ImmutableDictionary<string, string>.Empty.Add("pod", label), pod.Ip, "default", []);

    private static GlobalNetworkPolicy IngressToB(Rule rule) => new()
    {
        Metadata = new ObjectMeta { Name = "to-b" },
        Spec = new GlobalNetworkPolicySpec { Order = 10, Selector = "pod == 'b'", Ingress = [rule] },
    };
}
