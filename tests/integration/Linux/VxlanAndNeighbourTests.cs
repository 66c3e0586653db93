using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using CniNet.Linux;
using Xunit;

namespace CniNet.Tests.Integration.Linux;

/// <summary>
/// What Felix's VXLAN overlay writes through rtnetlink (the device, permanent ARP and FDB entries, onlink routes via
/// a remote VTEP), read back through this layer and through iproute2, in a throwaway node namespace.
/// </summary>
public sealed class VxlanAndNeighbourTests
{
    private static readonly IPAddress NodeIp = IPAddress.Parse("172.31.0.1");
    private static readonly IPAddress RemoteNodeIp = IPAddress.Parse("172.31.0.2");
    private static readonly IPAddress RemoteVtep = IPAddress.Parse("10.66.2.0");
    private static readonly PhysicalAddress OwnMac = PhysicalAddress.Parse("66:0a:00:00:00:01");
    private static readonly PhysicalAddress RemoteMac = PhysicalAddress.Parse("66:0a:00:00:00:02");

    [Fact]
    public void A_vxlan_device_reads_back_the_settings_it_was_created_with()
    {
        using var namespaces = new TestNamespaces("vxlan");
        var (node, links, underlay) = Node(namespaces);
        var settings = new VxlanSettings(4096, NodeIp, underlay, 4789);

        links.CreateVxlan("vxlan.calico", settings, 1450, OwnMac);

        var device = links.GetLink("vxlan.calico")!;
        Assert.Equal(("vxlan", settings, 1450, OwnMac, false), (device.Kind, device.Vxlan, device.Mtu, device.Mac, device.IsUp));
        Assert.Null(links.GetLink("under0")!.Vxlan);
        var detail = TestNamespaces.Ip("-n", TestNamespaces.NameOf(node), "-d", "link", "show", "vxlan.calico");
        Assert.Contains("vxlan id 4096 local 172.31.0.1 dev under0", detail);
        Assert.Contains("dstport 4789 nolearning", detail);
        var taken = Assert.Throws<LinuxException>(() => links.CreateVxlan("vxlan.calico", settings, 1450));
        Assert.Equal(Errno.EEXIST, taken.Errno);
    }

    [Fact]
    public void A_permanent_arp_entry_is_replaced_in_place_and_deleted_once()
    {
        using var namespaces = new TestNamespaces("vxlan");
        var (node, links, device) = Vxlan(namespaces);

        links.SetNeighbour(device, RemoteVtep, OwnMac);
        links.SetNeighbour(device, RemoteVtep, RemoteMac);

        Assert.Equal(
            new NeighbourEntry(device, RemoteVtep, RemoteMac, NeighbourState.Permanent),
            Assert.Single(links.ListNeighbours(AddressFamily.InterNetwork, device)));
        Assert.Contains(
            "10.66.2.0 lladdr 66:0a:00:00:00:02 PERMANENT",
            TestNamespaces.Ip("-n", TestNamespaces.NameOf(node), "neigh", "show", "dev", "vxlan.calico"));
        Assert.True(links.DeleteNeighbour(device, RemoteVtep));
        Assert.False(links.DeleteNeighbour(device, RemoteVtep));
        Assert.Empty(links.ListNeighbours(AddressFamily.InterNetwork, device));
    }

    [Fact]
    public void A_self_fdb_entry_sends_a_mac_to_one_remote_node()
    {
        using var namespaces = new TestNamespaces("vxlan");
        var (node, links, device) = Vxlan(namespaces);
        var elsewhere = IPAddress.Parse("172.31.0.3");

        links.SetFdbEntry(device, RemoteMac, elsewhere);
        links.SetFdbEntry(device, RemoteMac, RemoteNodeIp);

        var remote = Assert.Single(links.ListFdbEntries(device), e => e.Destination is not null);
        Assert.Equal(new FdbEntry(device, RemoteMac, RemoteNodeIp, NeighbourState.Permanent, Self: true), remote);
        Assert.Contains("66:0a:00:00:00:02 dst 172.31.0.2 self permanent", BridgeFdb(node));
        // The kernel acknowledges a delete naming another destination, and keeps the entry.
        links.DeleteFdbEntry(device, RemoteMac, elsewhere);
        Assert.Equal(remote, Assert.Single(links.ListFdbEntries(device), e => e.Destination is not null));
        Assert.True(links.DeleteFdbEntry(device, RemoteMac, RemoteNodeIp));
        Assert.False(links.DeleteFdbEntry(device, RemoteMac, RemoteNodeIp));
        Assert.DoesNotContain(links.ListFdbEntries(device), e => e.Destination is not null);
    }

    [Fact]
    public void A_block_route_via_a_remote_vtep_needs_onlink_and_reads_back_with_it()
    {
        using var namespaces = new TestNamespaces("vxlan");
        var (node, links, device) = Vxlan(namespaces);
        links.SetLinkUp(device);
        var route = new RouteSpec(IPAddress.Parse("10.66.2.0"), 26) { Gateway = RemoteVtep, OutputInterface = device, OnLink = true, Protocol = 80 };

        var unreachable = Assert.Throws<LinuxException>(() => links.AddRoute(route with { OnLink = false }));
        links.AddRoute(route);

        Assert.Equal(Errno.ENETUNREACH, unreachable.Errno);
        Assert.Contains(route, links.ListRoutes(AddressFamily.InterNetwork));
        Assert.Contains(
            "10.66.2.0/26 via 10.66.2.0 dev vxlan.calico proto 80 onlink",
            TestNamespaces.Ip("-n", TestNamespaces.NameOf(node), "route", "show"));
    }

    private static string BridgeFdb(NetworkNamespace node)
    {
        var (exitCode, stdout, stderr) = TestNamespaces.Exec(node, "bridge", "fdb", "show", "dev", "vxlan.calico");
        return exitCode == 0 ? stdout : throw new InvalidOperationException($"bridge fdb show: {stderr}");
    }

    /// <summary>A node namespace with an underlay veth (under0 at 172.31.0.1/24, up) and its ifindex.</summary>
    private static (NetworkNamespace Node, Rtnetlink Links, int Underlay) Node(TestNamespaces namespaces)
    {
        var node = namespaces.Add();
        var links = namespaces.Netlink(node);
        links.CreateVethPair("under0", "under1", null, 1500);
        var underlay = links.GetLink("under0")!.Index;
        links.AddAddress(underlay, NodeIp, 24);
        links.SetLinkUp(underlay);
        links.SetLinkUp(links.GetLink("under1")!.Index);
        return (node, links, underlay);
    }

    /// <summary>The node with vxlan.calico on its underlay, down, and the device's ifindex.</summary>
    private static (NetworkNamespace Node, Rtnetlink Links, int Device) Vxlan(TestNamespaces namespaces)
    {
        var (node, links, underlay) = Node(namespaces);
        links.CreateVxlan("vxlan.calico", new VxlanSettings(4096, NodeIp, underlay, 4789), 1450, OwnMac);
        return (node, links, links.GetLink("vxlan.calico")!.Index);
    }
}
