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

        var vtepB = await VtepAsync(lab, "node-b");
        var device = lab.A.HostNetlink.GetLink(VxlanOverlay.DeviceName)!;
        Assert.Equal(new VxlanSettings(4096, IPAddress.Parse("172.31.0.1"), lab.A.HostNetlink.GetLink("under0")!.Index, 4789), device.Vxlan);
        Assert.Equal(1450, device.Mtu);
        var blockB = Assert.Single(await BlocksOfAsync(lab, "node-b"));
        var expectedRoute = new RouteSpec(blockB.NetworkAddress, blockB.PrefixLength)
        {
            Gateway = vtepB.TunnelAddress, OutputInterface = device.Index, OnLink = true, Protocol = VxlanOverlay.RouteProtocol,
        };
        Assert.Equal([expectedRoute], OverlayRoutes(lab.A));
        // On the receiving node the packet's last hop is the CNI plugin's local workload route.
        Assert.Contains(
            new RouteSpec(lab.PodB.Ip, 32) { OutputInterface = lab.B.HostNetlink.GetLink(lab.PodB.HostInterface)!.Index, Scope = RouteScope.Link },
            lab.B.HostNetlink.ListRoutes(AddressFamily.InterNetwork));
        Assert.Equal(
            new NeighbourEntry(device.Index, vtepB.TunnelAddress, vtepB.Mac, NeighbourState.Permanent),
            Assert.Single(lab.A.HostNetlink.ListNeighbours(AddressFamily.InterNetwork, device.Index), n => n.State == NeighbourState.Permanent));
        Assert.Equal(
            new FdbEntry(device.Index, vtepB.Mac, IPAddress.Parse("172.31.0.2"), NeighbourState.Permanent, Self: true),
            Assert.Single(lab.A.HostNetlink.ListFdbEntries(device.Index), e => e.Destination is not null));
        Assert.Equal(
            new AddressInfo(device.Index, (await VtepAsync(lab, "node-a")).TunnelAddress, 32, RouteScope.Universe, AddressFlags.Permanent),
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

    [Fact]
    public async Task Vxlan_from_an_address_no_node_has_is_dropped_until_a_node_has_it()
    {
        await using var lab = await VxlanLab.StartAsync();
        await lab.ReconcileAsync();
        var stranger = IPAddress.Parse("172.31.0.9");
        lab.A.HostNetlink.AddAddress(lab.A.HostNetlink.GetLink("under0")!.Index, stranger, 24);

        Assert.True(await EchoesThroughForgedVxlanAsync(lab, IPAddress.Parse("172.31.0.1")));
        Assert.False(await EchoesThroughForgedVxlanAsync(lab, stranger));

        await lab.Resources.ApplyAsync(new Node
        {
            ApiVersion = ResourceKinds.Node.ApiVersion,
            Kind = ResourceKinds.Node.Kind,
            Metadata = new ObjectMeta { Name = "node-c" },
            Spec = new NodeSpec
            {
                Bgp = new NodeBgpSpec { IPv4Address = "172.31.0.9/24" }, IPv4VXLANTunnelAddr = "10.66.250.1", VxlanTunnelMACAddr = "66:0a:00:00:00:09",
            },
        });
        lab.OverlayB.Reconcile(await OverlaySource.ReadAsync(lab.Store.Store, lab.B.Name));

        Assert.True(await EchoesThroughForgedVxlanAsync(lab, stranger));
    }

    [Fact]
    public async Task CrossSubnet_sends_traffic_to_a_node_on_the_same_subnet_straight_over_the_underlay()
    {
        await using var lab = await VxlanLab.StartAsync(IPPoolSpec.ModeCrossSubnet);
        await lab.ReconcileAsync();
        var rxA = VxlanLab.VxlanCounter(lab.A, "rx_packets");
        var rxB = VxlanLab.VxlanCounter(lab.B, "rx_packets");

        Assert.True(VxlanLab.Pings(lab.PodA, lab.PodB));
        Assert.True(await lab.PodA.ReachesAsync(lab.PodB, ProtocolType.Tcp, VxlanLab.Port, CorpusTraffic.ConnectTimeout));

        var blockB = Assert.Single(await BlocksOfAsync(lab, "node-b"));
        Assert.Equal(
            [new RouteSpec(blockB.NetworkAddress, blockB.PrefixLength)
            {
                Gateway = IPAddress.Parse("172.31.0.2"), OutputInterface = lab.A.HostNetlink.GetLink("under0")!.Index, Protocol = VxlanOverlay.RouteProtocol,
            }],
            OverlayRoutes(lab.A));
        Assert.Equal((rxA, rxB), (VxlanLab.VxlanCounter(lab.A, "rx_packets"), VxlanLab.VxlanCounter(lab.B, "rx_packets")));
    }

    [Fact]
    public async Task A_pool_that_never_uses_vxlan_gets_no_tunnel_address_and_no_device()
    {
        await using var lab = await VxlanLab.StartAsync(IPPoolSpec.ModeNever);
        await lab.ReconcileAsync();

        Assert.Null(((Node)(await lab.Resources.GetAsync(ResourceKinds.Node, "node-a"))!).Spec.IPv4VXLANTunnelAddr);
        Assert.Null(lab.A.HostNetlink.GetLink(VxlanOverlay.DeviceName));
        Assert.Null(lab.B.HostNetlink.GetLink(VxlanOverlay.DeviceName));
        Assert.Empty(OverlayRoutes(lab.A));
        Assert.False(VxlanLab.Pings(lab.PodA, lab.PodB));
    }

    /// <summary>
    /// Sends, from <paramref name="source"/> in node-a's namespace, the VXLAN datagram node-a's VTEP would send for a
    /// UDP datagram from pod-a to pod-b's echo port; whether pod-a gets the echo back, which it does only if node-b's
    /// kernel accepted the datagram.
    /// </summary>
    private static async Task<bool> EchoesThroughForgedVxlanAsync(VxlanLab lab, IPAddress source)
    {
        var vtepA = await VtepAsync(lab, "node-a");
        var vtepB = await VtepAsync(lab, "node-b");
        using var receiver = lab.PodA.Namespace.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        receiver.Bind(new IPEndPoint(IPAddress.Any, 5555));
        using var sender = lab.A.Host.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        sender.Bind(new IPEndPoint(source, 0));
        var frame = VxlanFrame.Udp(
            4096, vtepA.Mac, vtepB.Mac,
            new IPEndPoint(lab.PodA.Ip, 5555), new IPEndPoint(lab.PodB.Ip, VxlanLab.Port), "forged"u8.ToArray());
        await sender.SendToAsync(frame, SocketFlags.None, new IPEndPoint(vtepB.NodeAddress, 4789));
        using var deadline = new CancellationTokenSource(CorpusTraffic.ConnectTimeout);
        try
        {
            return await receiver.ReceiveAsync(new byte[64], SocketFlags.None, deadline.Token) > 0;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return false;
        }
    }

    private static async Task<Vtep> VtepAsync(VxlanLab lab, string node) =>
        OverlayCalculator.VtepOf((Node)(await lab.Resources.GetAsync(ResourceKinds.Node, node))!)!;

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
