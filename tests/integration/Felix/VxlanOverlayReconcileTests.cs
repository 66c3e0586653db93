using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using CniNet.Felix.Dataplane;
using CniNet.Felix.Overlay;
using CniNet.Linux;
using CniNet.Model.Net;
using CniNet.Tests.Integration.Linux;
using Xunit;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// The reconciler against a kernel someone else changed: one node namespace with an underlay, plans written by hand,
/// and after each apply exactly the plan's device, routes, ARP and FDB entries and filter, whatever was there before.
/// </summary>
public sealed class VxlanOverlayReconcileTests
{
    private static readonly Vtep Local = new("node-a", IPAddress.Parse("10.66.0.1"), PhysicalAddress.Parse("66:0a:00:00:00:01"), Cidr.Parse("172.31.0.1/24"));
    private static readonly Vtep RemoteB = new("node-b", IPAddress.Parse("10.66.1.1"), PhysicalAddress.Parse("66:0a:00:00:00:02"), Cidr.Parse("172.31.0.2/24"));
    private static readonly Vtep RemoteC = new("node-c", IPAddress.Parse("10.66.2.1"), PhysicalAddress.Parse("66:0a:00:00:00:03"), Cidr.Parse("172.31.9.3/24"));

    private static readonly OverlayPlan TwoRemotes = new(
        Local,
        [RemoteB, RemoteC],
        [
            new OverlayRoute(Cidr.Parse("10.66.1.0/26"), "node-b", RemoteB.NodeAddress, Encapsulated: false),
            new OverlayRoute(Cidr.Parse("10.66.2.0/26"), "node-c", RemoteC.TunnelAddress, Encapsulated: true),
        ],
        [RemoteB.NodeAddress, RemoteC.NodeAddress]);

    [Fact]
    public void Whatever_was_changed_by_hand_on_the_device_an_apply_brings_back_exactly_the_plan()
    {
        using var namespaces = new TestNamespaces("vxlan");
        var (node, links, overlay) = Node(namespaces);
        overlay.Apply(TwoRemotes, new VxlanConfig());
        var expected = Snapshot(links);
        var device = links.GetLink(VxlanOverlay.DeviceName)!.Index;

        links.SetMtu(device, 1400);
        links.DeleteNeighbour(device, RemoteC.TunnelAddress);
        links.SetNeighbour(device, IPAddress.Parse("10.66.7.1"), PhysicalAddress.Parse("66:0a:00:00:00:07"));
        links.SetFdbEntry(device, RemoteB.Mac, IPAddress.Parse("172.31.0.99"));
        links.AddRoute(new RouteSpec(IPAddress.Parse("10.66.7.0"), 26) { Gateway = IPAddress.Parse("10.66.7.1"), OutputInterface = device, OnLink = true });
        links.AddAddress(device, IPAddress.Parse("10.66.0.2"), 32);
        TestNamespaces.Exec(node, "nft", "flush", "set", "inet", "calico-vxlan", "all-vxlan-net");
        Assert.NotEqual(expected, Snapshot(links));

        // The filter is rewritten only when its plan changes: a fresh reconciler (a restarted agent) repairs it too.
        new VxlanOverlay(links, new NftCommand(node)).Apply(TwoRemotes, new VxlanConfig());

        Assert.Equal(expected, Snapshot(links));
        Assert.Equal(device, links.GetLink(VxlanOverlay.DeviceName)!.Index);
        var set = TestNamespaces.Exec(node, "nft", "list", "set", "inet", "calico-vxlan", "all-vxlan-net").Stdout;
        Assert.Contains("172.31.0.2", set);
        Assert.Contains("172.31.9.3", set);
    }

    [Fact]
    public void Other_vxlan_settings_recreate_the_device_and_an_empty_plan_removes_everything()
    {
        using var namespaces = new TestNamespaces("vxlan");
        var (node, links, overlay) = Node(namespaces);
        overlay.Apply(TwoRemotes, new VxlanConfig());
        var first = links.GetLink(VxlanOverlay.DeviceName)!.Index;

        overlay.Apply(TwoRemotes, new VxlanConfig(Vni: 4097, Port: 8472, Mtu: 1400));

        var device = links.GetLink(VxlanOverlay.DeviceName)!;
        Assert.NotEqual(first, device.Index);
        Assert.Equal((4097u, (ushort)8472, 1400), (device.Vxlan!.Vni, device.Vxlan.Port, device.Mtu));
        Assert.Contains("udp dport 8472", TestNamespaces.Exec(node, "nft", "list", "table", "inet", "calico-vxlan").Stdout);
        Assert.Equal(2, links.ListRoutes(AddressFamily.InterNetwork).Count(r => r.Protocol == VxlanOverlay.RouteProtocol));

        overlay.Apply(OverlayPlan.Empty, new VxlanConfig());

        Assert.Null(links.GetLink(VxlanOverlay.DeviceName));
        Assert.DoesNotContain(links.ListRoutes(AddressFamily.InterNetwork), r => r.Protocol == VxlanOverlay.RouteProtocol);
        Assert.NotEqual(0, TestNamespaces.Exec(node, "nft", "list", "table", "inet", "calico-vxlan").ExitCode);
    }

    /// <summary>node-a's namespace: under0 at 172.31.0.1/24, up, and a reconciler writing nft through nft processes.</summary>
    private static (NetworkNamespace Node, Rtnetlink Links, VxlanOverlay Overlay) Node(TestNamespaces namespaces)
    {
        var node = namespaces.Add();
        var links = namespaces.Netlink(node);
        links.CreateVethPair("under0", "under1", null, 1500);
        var underlay = links.GetLink("under0")!.Index;
        links.AddAddress(underlay, Local.NodeAddress, 24);
        links.SetLinkUp(underlay);
        links.SetLinkUp(links.GetLink("under1")!.Index);
        return (node, links, new VxlanOverlay(links, new NftCommand(node)));
    }

    /// <summary>Everything the overlay owns, in a form that compares by value.</summary>
    private static string Snapshot(Rtnetlink links)
    {
        var device = links.GetLink(VxlanOverlay.DeviceName)!;
        string[] lines =
        [
            $"{device.Name} {device.Vxlan} mtu {device.Mtu} mac {device.Mac} up {device.IsUp}",
            .. links.ListAddresses(device.Index, AddressFamily.InterNetwork).Select(a => a.ToString()),
            .. links.ListRoutes(AddressFamily.InterNetwork).Where(r => r.Protocol == VxlanOverlay.RouteProtocol || r.OutputInterface == device.Index).Select(r => r.ToString()).Order(),
            .. links.ListNeighbours(AddressFamily.InterNetwork, device.Index).Select(n => n.ToString()).Order(),
            .. links.ListFdbEntries(device.Index).Where(e => e.Destination is not null).Select(e => e.ToString()).Order(),
        ];
        return string.Join('\n', lines);
    }
}
