using System.Net;
using System.Net.Sockets;
using CniNet.Linux;
using Xunit;

namespace CniNet.Tests.Integration.Linux;

/// <summary>The addresses and routes Calico's CNI plugin installs, written and read back through rtnetlink.</summary>
public sealed class AddressAndRouteTests
{
    private static readonly IPAddress PodIp = IPAddress.Parse("10.65.0.5");
    private static readonly IPAddress Gateway = IPAddress.Parse("169.254.1.1");

    [Fact]
    public void Pod_and_host_addresses_and_routes_read_back_exactly()
    {
        using var namespaces = new TestNamespaces();
        var (_, pod, hostLinks, podLinks, hostIndex, podIndex) = Wire(namespaces);

        podLinks.AddAddress(podIndex, PodIp, 32);
        var linkRoute = new RouteSpec(Gateway, 32) { OutputInterface = podIndex, Scope = RouteScope.Link };
        var defaultRoute = new RouteSpec(IPAddress.Any, 0) { Gateway = Gateway, OutputInterface = podIndex };
        podLinks.AddRoute(linkRoute);
        podLinks.AddRoute(defaultRoute);
        var hostRoute = new RouteSpec(PodIp, 32) { OutputInterface = hostIndex, Scope = RouteScope.Link };
        hostLinks.AddRoute(hostRoute);

        var address = Assert.Single(podLinks.ListAddresses(podIndex, AddressFamily.InterNetwork));
        Assert.Equal(new AddressInfo(podIndex, PodIp, 32, RouteScope.Universe, AddressFlags.Permanent), address);
        Assert.Equal(
            new HashSet<RouteSpec> { linkRoute, defaultRoute },
            podLinks.ListRoutes(AddressFamily.InterNetwork).ToHashSet());
        Assert.Equal(hostRoute, Assert.Single(hostLinks.ListRoutes(AddressFamily.InterNetwork)));
        Assert.Contains(
            "default via 169.254.1.1 dev eth0",
            TestNamespaces.Ip("-n", TestNamespaces.NameOf(pod), "-4", "route", "show"));
    }

    [Fact]
    public void Adding_a_route_twice_fails_with_EEXIST_naming_the_route_and_device()
    {
        using var namespaces = new TestNamespaces();
        var (_, _, hostLinks, _, hostIndex, _) = Wire(namespaces);
        var hostRoute = new RouteSpec(PodIp, 32) { OutputInterface = hostIndex, Scope = RouteScope.Link };
        hostLinks.AddRoute(hostRoute);

        var e = Assert.Throws<LinuxException>(() => hostLinks.AddRoute(hostRoute));

        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Equal("RTM_NEWROUTE 10.65.0.5/32 dev cali12345 scope link: File exists (EEXIST)", e.Message);
    }

    [Fact]
    public void Replace_and_delete_act_on_the_route_with_that_key()
    {
        using var namespaces = new TestNamespaces();
        var (_, _, hostLinks, _, hostIndex, _) = Wire(namespaces);
        var route = new RouteSpec(PodIp, 32) { OutputInterface = hostIndex, Scope = RouteScope.Link };

        hostLinks.ReplaceRoute(route);
        var replacement = route with { Protocol = 80 };
        hostLinks.ReplaceRoute(replacement);

        Assert.Equal(replacement, Assert.Single(hostLinks.ListRoutes(AddressFamily.InterNetwork)));
        Assert.False(hostLinks.DeleteRoute(route));
        Assert.True(hostLinks.DeleteRoute(replacement));
        Assert.False(hostLinks.DeleteRoute(replacement));
        Assert.Empty(hostLinks.ListRoutes(AddressFamily.InterNetwork));
    }

    [Fact]
    public void An_address_is_deleted_once()
    {
        using var namespaces = new TestNamespaces();
        var (_, _, _, podLinks, _, podIndex) = Wire(namespaces);
        podLinks.AddAddress(podIndex, PodIp, 32);

        Assert.False(podLinks.DeleteAddress(podIndex, PodIp, 24));
        Assert.True(podLinks.DeleteAddress(podIndex, PodIp, 32));
        Assert.False(podLinks.DeleteAddress(podIndex, PodIp, 32));
        Assert.Empty(podLinks.ListAddresses(podIndex, AddressFamily.InterNetwork));
    }

    [Fact]
    public void Ipv6_addresses_keep_their_flags_and_routes_their_metric()
    {
        using var namespaces = new TestNamespaces();
        var (_, _, hostLinks, podLinks, hostIndex, podIndex) = Wire(namespaces);
        var podIp6 = IPAddress.Parse("fd00:65::5");

        podLinks.AddAddress(podIndex, podIp6, 128, AddressFlags.NoDad);
        var hostRoute = new RouteSpec(podIp6, 128) { OutputInterface = hostIndex, Metric = 1024 };
        hostLinks.AddRoute(hostRoute);
        var blackhole = new RouteSpec(IPAddress.Parse("fd00:65::"), 122) { Type = RouteType.Blackhole, Metric = 1024 };
        hostLinks.AddRoute(blackhole);
        var lo = hostLinks.GetLink("lo")!.Index;

        var address = Assert.Single(podLinks.ListAddresses(podIndex, AddressFamily.InterNetworkV6), a => a.Address.Equals(podIp6));
        Assert.Equal(AddressFlags.NoDad | AddressFlags.Permanent, address.Flags);
        var routes = hostLinks.ListRoutes(AddressFamily.InterNetworkV6);
        Assert.Contains(hostRoute, routes);
        // IPv6 keeps reject routes on the loopback device, and says so.
        Assert.Contains(blackhole with { OutputInterface = lo }, routes);
    }

    [Fact]
    public void Routes_in_other_tables_are_listed_only_when_asked_for()
    {
        using var namespaces = new TestNamespaces();
        var hostLinks = Wire(namespaces).HostLinks;
        var route = new RouteSpec(IPAddress.Parse("10.66.0.0"), 26) { Type = RouteType.Blackhole, Table = 1000 };
        // Bringing lo up makes the kernel fill the local table (127.0.0.0/8 and friends).
        hostLinks.SetLinkUp(hostLinks.GetLink("lo")!.Index);

        hostLinks.AddRoute(route);

        Assert.Empty(hostLinks.ListRoutes(AddressFamily.InterNetwork));
        Assert.Equal(route, Assert.Single(hostLinks.ListRoutes(AddressFamily.InterNetwork, 1000)));
        Assert.Contains(route, hostLinks.ListRoutes(AddressFamily.InterNetwork, table: null));
        Assert.Contains(hostLinks.ListRoutes(AddressFamily.InterNetwork, table: null), r => r.Table == RouteTable.Local && r.Type == RouteType.Local);
    }

    private sealed record Wired(NetworkNamespace Host, NetworkNamespace Pod, Rtnetlink HostLinks, Rtnetlink PodLinks, int HostIndex, int PodIndex);

    /// <summary>A "host" and a "pod" namespace joined by cali12345 / eth0, both ends up.</summary>
    [Fact]
    public void A_route_batch_applies_every_request_in_order_and_reports_exactly_the_refused_ones()
    {
        using var namespaces = new TestNamespaces();
        var (_, _, hostLinks, _, hostIndex, _) = Wire(namespaces);
        var routes = Enumerable.Range(0, 300).Select(i => new RouteSpec(new IPAddress([10, 66, (byte)(i / 64), (byte)(i % 64 * 4)]), 30)
        {
            OutputInterface = hostIndex, Scope = RouteScope.Link,
        }).ToList();
        hostLinks.AddRoute(routes[200]);

        // More requests than one datagram holds; an add of a taken key fails, a replace and a delete of one just added succeed.
        var failures = hostLinks.WriteRoutes(
        [
            .. routes.Select(r => new RouteRequest(RouteOperation.Add, r)),
            new RouteRequest(RouteOperation.Replace, routes[5]),
            new RouteRequest(RouteOperation.Delete, routes[7]),
            new RouteRequest(RouteOperation.Delete, routes[7]),
        ]);

        Assert.Equal([(200, Errno.EEXIST), (302, Errno.ESRCH)], failures.Select(f => (f.Index, f.Error.Errno)));
        Assert.Equal("RTM_NEWROUTE 10.66.3.32/30 dev cali12345 scope link: File exists (EEXIST)", failures[0].Error.Message);
        Assert.Equal(routes.Where((_, i) => i != 7).ToHashSet(), hostLinks.ListRoutes(AddressFamily.InterNetwork).ToHashSet());
    }

    private static Wired Wire(TestNamespaces namespaces)
    {
        var host = namespaces.Add();
        var pod = namespaces.Add();
        var hostLinks = namespaces.Netlink(host);
        var podLinks = namespaces.Netlink(pod);
        hostLinks.CreateVethPair("cali12345", "eth0", pod, 1500);
        var hostIndex = hostLinks.GetLink("cali12345")!.Index;
        var podIndex = podLinks.GetLink("eth0")!.Index;
        hostLinks.SetLinkUp(hostIndex);
        podLinks.SetLinkUp(podIndex);
        return new Wired(host, pod, hostLinks, podLinks, hostIndex, podIndex);
    }
}
