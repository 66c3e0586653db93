using System.Net;
using System.Net.NetworkInformation;
using CniNet.Linux;

namespace CniNet.Tests.Integration.Linux;

/// <summary>
/// A pod wired the way Calico's CNI plugin wires one, with this layer only: a veth whose host end (MAC
/// ee:ee:ee:ee:ee:ee, proxy ARP, no proxy delay) has a /32 link-scope route to the pod, and in the pod a /32 address,
/// a link-scope route to 169.254.1.1 and the default route through it.
/// </summary>
public static class CalicoPodWiring
{
    public static readonly IPAddress Gateway = IPAddress.Parse("169.254.1.1");

    public static void Wire(
        NetworkNamespace host, Rtnetlink hostLinks, NetworkNamespace pod, Rtnetlink podLinks, string hostInterface, IPAddress podIp)
    {
        hostLinks.CreateVethPair(hostInterface, "eth0", pod, 1500, PhysicalAddress.Parse("ee:ee:ee:ee:ee:ee"));
        var hostEnd = hostLinks.GetLink(hostInterface)!.Index;
        var podEnd = podLinks.GetLink("eth0")!.Index;
        host.Run(() =>
        {
            Sysctl.Write($"net/ipv4/conf/{hostInterface}/proxy_arp", "1");
            // Without this the kernel delays proxy ARP replies by up to 0.8 s (neigh proxy_delay), as Calico also avoids.
            Sysctl.Write($"net/ipv4/neigh/{hostInterface}/proxy_delay", "0");
        });
        hostLinks.SetLinkUp(hostEnd);
        podLinks.SetLinkUp(podEnd);
        podLinks.SetLinkUp(podLinks.GetLink("lo")!.Index);
        podLinks.AddAddress(podEnd, podIp, 32);
        podLinks.AddRoute(new RouteSpec(Gateway, 32) { OutputInterface = podEnd, Scope = RouteScope.Link });
        podLinks.AddRoute(new RouteSpec(IPAddress.Any, 0) { Gateway = Gateway, OutputInterface = podEnd });
        hostLinks.AddRoute(new RouteSpec(podIp, 32) { OutputInterface = hostEnd, Scope = RouteScope.Link });
    }
}
