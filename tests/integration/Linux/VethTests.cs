using System.Net.NetworkInformation;
using CniNet.Linux;
using Xunit;

namespace CniNet.Tests.Integration.Linux;

/// <summary>Veth pairs and link operations through rtnetlink, checked against the kernel in test namespaces.</summary>
public sealed class VethTests
{
    private static readonly PhysicalAddress HostMac = PhysicalAddress.Parse("ee:ee:ee:ee:ee:ee");
    private static readonly PhysicalAddress PodMac = PhysicalAddress.Parse("0a:58:0a:41:00:05");

    [Fact]
    public void Veth_peer_is_born_inside_the_target_namespace()
    {
        using var namespaces = new TestNamespaces();
        var host = namespaces.Add();
        var pod = namespaces.Add();
        var hostLinks = namespaces.Netlink(host);
        var podLinks = namespaces.Netlink(pod);

        hostLinks.CreateVethPair("cali0123456789a", "eth0", pod, 1410, HostMac, PodMac);

        var hostEnd = hostLinks.GetLink("cali0123456789a")!;
        var podEnd = podLinks.GetLink("eth0")!;
        Assert.Equal(("cali0123456789a", HostMac, 1410, "veth", false), (hostEnd.Name, hostEnd.Mac, hostEnd.Mtu, hostEnd.Kind, hostEnd.IsUp));
        Assert.Equal(("eth0", PodMac, 1410, "veth", false), (podEnd.Name, podEnd.Mac, podEnd.Mtu, podEnd.Kind, podEnd.IsUp));
        Assert.Equal(podEnd.Index, hostEnd.LinkIndex);
        Assert.Equal(hostEnd.Index, podEnd.LinkIndex);
        Assert.Null(hostLinks.GetLink("eth0"));
        Assert.Null(podLinks.GetLink("cali0123456789a"));
        Assert.Equal(["eth0", "lo"], podLinks.ListLinks().Select(l => l.Name).Order());
        Assert.Equal(["cali0123456789a", "lo"], hostLinks.ListLinks().Select(l => l.Name).Order());
        // The same facts through iproute2, which shares no code with the layer under test.
        Assert.Contains("ee:ee:ee:ee:ee:ee", TestNamespaces.Ip("-n", TestNamespaces.NameOf(host), "link", "show", "cali0123456789a"));
        Assert.Contains("0a:58:0a:41:00:05", TestNamespaces.Ip("-n", TestNamespaces.NameOf(pod), "link", "show", "eth0"));
        Assert.NotEqual(0, TestNamespaces.Exec(host, "ip", "link", "show", "eth0").ExitCode);

        hostLinks.SetLinkUp(hostEnd.Index);
        podLinks.SetLinkUp(podEnd.Index);
        Assert.True(hostLinks.GetLink(hostEnd.Index)!.IsUp);
        Assert.True(podLinks.GetLink(podEnd.Index)!.IsUp);
        // The carrier (and so the operational state) follows asynchronously, via the kernel's linkwatch work.
        Assert.Equal(LinkOperState.Up, Eventually(() => podLinks.GetLink(podEnd.Index)!.OperState, LinkOperState.Up));
    }

    [Fact]
    public void Creating_a_veth_with_a_taken_name_fails_with_EEXIST_and_leaves_nothing_behind()
    {
        using var namespaces = new TestNamespaces();
        var host = namespaces.Add();
        var pod = namespaces.Add();
        var hostLinks = namespaces.Netlink(host);
        var podLinks = namespaces.Netlink(pod);
        hostLinks.CreateVethPair("caliexisting", "eth0", pod, 1500);

        var hostTaken = Assert.Throws<LinuxException>(() => hostLinks.CreateVethPair("caliexisting", "eth1", pod, 1500));
        var peerTaken = Assert.Throws<LinuxException>(() => hostLinks.CreateVethPair("calinew", "eth0", pod, 1500));

        Assert.Equal(Errno.EEXIST, hostTaken.Errno);
        Assert.Equal(Errno.EEXIST, peerTaken.Errno);
        Assert.Equal("RTM_NEWLINK", hostTaken.Operation);
        Assert.StartsWith("RTM_NEWLINK veth caliexisting peer eth1 in /run/netns/cninet-lx-", hostTaken.Message);
        Assert.Contains("File exists (EEXIST)", hostTaken.Message);
        Assert.Equal(["caliexisting", "lo"], hostLinks.ListLinks().Select(l => l.Name).Order());
        Assert.Equal(["eth0", "lo"], podLinks.ListLinks().Select(l => l.Name).Order());
    }

    [Fact]
    public void Veth_without_a_peer_namespace_keeps_both_ends_together()
    {
        using var namespaces = new TestNamespaces();
        var links = namespaces.Netlink(namespaces.Add());

        links.CreateVethPair("uplink0", "uplink1", null, 9000);

        var (a, b) = (links.GetLink("uplink0")!, links.GetLink("uplink1")!);
        Assert.Equal((9000, 9000, b.Index, a.Index), (a.Mtu, b.Mtu, a.LinkIndex, b.LinkIndex));
        Assert.NotNull(a.Mac);
        Assert.False(a.Mac.Equals(b.Mac));
    }

    [Fact]
    public void Link_changes_read_back()
    {
        using var namespaces = new TestNamespaces();
        var links = namespaces.Netlink(namespaces.Add());
        links.CreateVethPair("veth-a", "veth-b", null, 1500);
        var index = links.GetLink("veth-a")!.Index;

        links.SetMtu(index, 1280);
        links.SetMac(index, HostMac);
        links.SetLinkUp(index);
        var changed = links.GetLink(index)!;
        links.SetLinkDown(index);

        Assert.Equal((1280, HostMac, true), (changed.Mtu, changed.Mac, changed.IsUp));
        Assert.False(links.GetLink(index)!.IsUp);
        var tooSmall = Assert.Throws<LinuxException>(() => links.SetMtu(index, 10));
        Assert.Equal(Errno.EINVAL, tooSmall.Errno);
        Assert.StartsWith("RTM_NEWLINK veth-a: Invalid argument (EINVAL)", tooSmall.Message);
    }

    [Fact]
    public void Deleting_or_reading_a_missing_link_is_not_an_error()
    {
        using var namespaces = new TestNamespaces();
        var host = namespaces.Add();
        var pod = namespaces.Add();
        var hostLinks = namespaces.Netlink(host);
        var podLinks = namespaces.Netlink(pod);
        hostLinks.CreateVethPair("calidelete", "eth0", pod, 1500);

        Assert.False(hostLinks.DeleteLink("calimissing"));
        Assert.False(hostLinks.DeleteLink(99999));
        Assert.Null(hostLinks.GetLink("calimissing"));
        Assert.Null(hostLinks.GetLink(99999));
        Assert.True(hostLinks.DeleteLink("calidelete"));
        Assert.False(hostLinks.DeleteLink("calidelete"));
        // Deleting one end of a veth deletes the other, in whichever namespace it lives.
        Assert.Null(podLinks.GetLink("eth0"));
    }

    private static T Eventually<T>(Func<T> read, T expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        var value = read();
        while (!EqualityComparer<T>.Default.Equals(value, expected) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
            value = read();
        }
        return value;
    }
}
