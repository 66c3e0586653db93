using System.Net;
using CniNet.Linux;
using Xunit;

namespace CniNet.Tests.Integration.Linux;

/// <summary>
/// Calico's pod wiring end to end, set up with this layer only: a /32 pod address, the pod's link-scope route to
/// 169.254.1.1 and default route through it, and on the host side proxy ARP (answering for 169.254.1.1) and a /32
/// route back to the pod. Then a real packet crosses.
/// </summary>
public sealed class PodConnectivityTests
{
    [Fact]
    public void Pod_pings_the_host_through_a_veth_wired_like_calico()
    {
        using var namespaces = new TestNamespaces();
        var host = namespaces.Add();
        var pod = namespaces.Add();
        var hostLinks = namespaces.Netlink(host);
        var podLinks = namespaces.Netlink(pod);
        var podIp = IPAddress.Parse("10.65.3.7");
        var hostIp = IPAddress.Parse("10.99.0.1");

        // The host's own uplink with its address and default route. Proxy ARP answers only for destinations the
        // host routes out of another interface than the one asking, so the host needs somewhere else to route.
        hostLinks.CreateVethPair("uplink0", "uplink1", null, 1500);
        var uplink = hostLinks.GetLink("uplink0")!.Index;
        hostLinks.SetLinkUp(uplink);
        hostLinks.SetLinkUp(hostLinks.GetLink("uplink1")!.Index);
        hostLinks.AddAddress(uplink, hostIp, 24);
        hostLinks.AddRoute(new RouteSpec(IPAddress.Any, 0) { Gateway = IPAddress.Parse("10.99.0.254"), OutputInterface = uplink });

        host.Run(() => Sysctl.Write("net/ipv4/ip_forward", "1"));
        CalicoPodWiring.Wire(host, hostLinks, pod, podLinks, "cali3f2a9c1d0e7", podIp);

        var (exitCode, stdout, stderr) = TestNamespaces.Exec(pod, "ping", "-c1", "-W1", hostIp.ToString());

        Assert.True(exitCode == 0, $"ping exited {exitCode}: {stdout}{stderr}");
        Assert.Contains("1 received", stdout);
    }
}
