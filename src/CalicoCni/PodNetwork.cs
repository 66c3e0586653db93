using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using CniNet.Cni;
using CniNet.Linux;

namespace CniNet.CalicoCni;

/// <summary>
/// Calico's Linux dataplane for one pod, over rtnetlink from the host namespace: a veth pair born with its container
/// end inside the pod's namespace, the pod's /32 and /128 addresses, the <c>169.254.1.1</c> gateway trick (the host end
/// answers by proxy ARP), the host end's sysctls and one host route per address. No <c>ip</c> command is run.
/// </summary>
public sealed class PodNetwork : IDisposable
{
    /// <summary>Every host end has this MAC, so a pod's neighbour entry for its gateway never changes.</summary>
    public static readonly PhysicalAddress HostMac = PhysicalAddress.Parse("EE-EE-EE-EE-EE-EE");

    public static readonly IPAddress GatewayV4 = IPAddress.Parse("169.254.1.1");

    /// <summary>The host end's IPv6 link-local address, derived (EUI-64) from <see cref="HostMac"/>.</summary>
    public static readonly IPAddress GatewayV6 = IPAddress.Parse("fe80::ecee:eeff:feee:eeee");

    private readonly NetworkNamespace _namespace;
    private readonly Rtnetlink _host;
    private readonly Rtnetlink _pod;

    private PodNetwork(NetworkNamespace ns, Rtnetlink host, Rtnetlink pod)
    {
        _namespace = ns;
        _host = host;
        _pod = pod;
    }

    /// <summary>Opens the pod's namespace; a path that does not exist is CNI error 3 (the container is gone).</summary>
    public static PodNetwork Open(string netnsPath)
    {
        NetworkNamespace ns;
        try
        {
            ns = NetworkNamespace.Open(netnsPath);
        }
        catch (LinuxException e) when (e.Errno == Errno.ENOENT)
        {
            throw new CniException(CniErrorCode.UnknownContainer, $"the network namespace {netnsPath} does not exist");
        }
        return new PodNetwork(ns, Rtnetlink.Open(), Rtnetlink.OpenIn(ns));
    }

    /// <summary>
    /// A locally administered unicast MAC for the container end, chosen before the link exists so the endpoint can carry
    /// it. Not <c>RandomNumberGenerator</c>: on Linux that loads OpenSSL, which costs a plugin process more than its whole ADD.
    /// </summary>
    public static PhysicalAddress RandomMac()
    {
        var bytes = new byte[6];
        Random.Shared.NextBytes(bytes);
        bytes[0] = (byte)((bytes[0] & 0xFE) | 0x02);
        return new PhysicalAddress(bytes);
    }

    /// <summary>ADD must fail when the interface already exists, before anything is allocated.</summary>
    public void EnsureAbsent(string ifName)
    {
        if (_pod.GetLink(ifName) is not null)
            throw new CniException(CniErrorCode.PluginFailure, $"interface {ifName} already exists in the network namespace");
    }

    public void Setup(string hostVeth, string ifName, int mtu, PhysicalAddress podMac, IReadOnlyList<IPAddress> addresses, bool allowIpForwarding)
    {
        var v4 = addresses.Any(a => a.AddressFamily == AddressFamily.InterNetwork);
        var v6 = addresses.Any(a => a.AddressFamily == AddressFamily.InterNetworkV6);
        // A link of the same name is left over from an earlier sandbox of this pod: Calico removes it first.
        _host.DeleteLink(hostVeth);
        _host.CreateVethPair(hostVeth, ifName, _namespace, mtu, HostMac, podMac);
        var host = _host.GetLink(hostVeth) ?? throw new CniException(CniErrorCode.DataplaneFailure, $"{hostVeth} vanished after it was created");
        var pod = _pod.GetLink(ifName) ?? throw new CniException(CniErrorCode.DataplaneFailure, $"{ifName} vanished after it was created");

        if (v4)
        {
            Sysctl.Write($"net/ipv4/conf/{hostVeth}/route_localnet", "1");
            Sysctl.Write($"net/ipv4/neigh/{hostVeth}/proxy_delay", "0");
            Sysctl.Write($"net/ipv4/conf/{hostVeth}/proxy_arp", "1");
            Sysctl.Write($"net/ipv4/conf/{hostVeth}/forwarding", "1");
        }
        if (v6)
        {
            Sysctl.Write($"net/ipv6/conf/{hostVeth}/disable_ipv6", "0");
            Sysctl.Write($"net/ipv6/conf/{hostVeth}/accept_dad", "0");
            Sysctl.Write($"net/ipv6/conf/{hostVeth}/accept_ra", "0");
            Sysctl.Write($"net/ipv6/conf/{hostVeth}/proxy_ndp", "1");
            Sysctl.Write($"net/ipv6/conf/{hostVeth}/forwarding", "1");
            _namespace.Run(() =>
            {
                foreach (var scope in new[] { "all", "default", "lo", ifName }) Sysctl.Write($"net/ipv6/conf/{scope}/disable_ipv6", "0");
                Sysctl.Write($"net/ipv6/conf/{ifName}/accept_dad", "0");
            });
        }
        if (allowIpForwarding)
        {
            _namespace.Run(() =>
            {
                if (v4) Sysctl.Write("net/ipv4/ip_forward", "1");
                if (v6) Sysctl.Write("net/ipv6/conf/all/forwarding", "1");
            });
        }
        _host.SetLinkUp(host.Index);
        _pod.SetLinkUp(pod.Index);

        foreach (var address in addresses) _pod.AddAddress(pod.Index, address, IPPrefix.Host(address).PrefixLength);
        if (v4)
        {
            _pod.AddRoute(new RouteSpec(GatewayV4, 32) { OutputInterface = pod.Index, Scope = RouteScope.Link });
            _pod.AddRoute(new RouteSpec(IPAddress.Any, 0) { Gateway = GatewayV4, OutputInterface = pod.Index });
        }
        if (v6) _pod.AddRoute(new RouteSpec(IPAddress.IPv6Any, 0) { Gateway = GatewayV6, OutputInterface = pod.Index });

        foreach (var address in addresses) AddHostRoute(hostVeth, host.Index, address);
    }

    /// <summary>EEXIST is fine only when the route already points at this pod's interface (Calico issue #8180 otherwise).</summary>
    private void AddHostRoute(string hostVeth, int index, IPAddress address)
    {
        var route = new RouteSpec(address, IPPrefix.Host(address).PrefixLength) { OutputInterface = index, Scope = RouteScope.Link };
        try
        {
            _host.AddRoute(route);
        }
        catch (LinuxException e) when (e.Errno == Errno.EEXIST)
        {
            var existing = _host.ListRoutes(address.AddressFamily)
                .FirstOrDefault(r => r.Destination.Equals(address) && r.PrefixLength == route.PrefixLength);
            if (existing?.OutputInterface == index) return;
            var other = existing?.OutputInterface is { } oif ? _host.GetLink(oif)?.Name ?? $"if{oif}" : "another interface";
            throw new CniException(CniErrorCode.DataplaneFailure,
                $"route to {address}/{route.PrefixLength} already exists for an interface other than '{hostVeth}': {other}");
        }
    }

    /// <summary>CHECK: the interface, its addresses and our routes in the pod, the host end and its routes, as ADD left them.</summary>
    public void Verify(string hostVeth, string ifName, CniResult prev)
    {
        var pod = _pod.GetLink(ifName) ?? throw Mismatch($"interface {ifName} does not exist in the pod");
        var expectedMac = prev.Interfaces.FirstOrDefault(i => i.Name == ifName && i.Sandbox is not null)?.Mac;
        if (expectedMac is not null && !SameMac(pod.Mac, expectedMac)) throw Mismatch($"{ifName} has MAC {pod.Mac}, the result says {expectedMac}");
        var addresses = _pod.ListAddresses(pod.Index);
        foreach (var ip in prev.IPs)
            if (!addresses.Any(a => a.Address.Equals(ip.Address.Address)))
                throw Mismatch($"{ifName} does not hold {ip.Address.Address}");
        foreach (var route in prev.Routes)
        {
            var present = _pod.ListRoutes(route.Destination.Address.AddressFamily).Any(r =>
                r.Destination.Equals(route.Destination.Network().Address) && r.PrefixLength == route.Destination.PrefixLength
                && (route.Gateway is null || route.Gateway.Equals(r.Gateway)));
            if (!present) throw Mismatch($"route {route.Destination} is missing in the pod");
        }
        var host = _host.GetLink(hostVeth) ?? throw Mismatch($"host interface {hostVeth} does not exist");
        if (!host.IsUp) throw Mismatch($"host interface {hostVeth} is down");
        foreach (var ip in prev.IPs)
        {
            var a = ip.Address.Address;
            if (!_host.ListRoutes(a.AddressFamily).Any(r => r.Destination.Equals(a) && r.PrefixLength == IPPrefix.Host(a).PrefixLength && r.OutputInterface == host.Index))
                throw Mismatch($"host route {a} dev {hostVeth} is missing");
        }
    }

    private static bool SameMac(PhysicalAddress? actual, string expected) =>
        actual is not null && PhysicalAddress.TryParse(expected.Replace(':', '-').ToUpperInvariant(), out var e) && e.Equals(actual);

    private static CniException Mismatch(string what) => new(CniErrorCode.PluginFailure, $"CHECK: {what}");

    public string? MacOf(string ifName) => _pod.GetLink(ifName)?.Mac?.ToString();

    /// <summary>
    /// DEL's dataplane part: removes the pod's interface (its host end goes with it). A namespace or link that is
    /// already gone is success.
    /// </summary>
    public static bool Teardown(string netnsPath, string ifName)
    {
        if (string.IsNullOrEmpty(netnsPath)) return false;
        NetworkNamespace ns;
        try
        {
            ns = NetworkNamespace.Open(netnsPath);
        }
        catch (LinuxException e) when (e.Errno == Errno.ENOENT)
        {
            return false;
        }
        using (ns)
        using (var pod = Rtnetlink.OpenIn(ns))
            return pod.DeleteLink(ifName);
    }

    /// <summary>Undoes a half-made ADD from the host side.</summary>
    public void RemoveHostEnd(string hostVeth) => _host.DeleteLink(hostVeth);

    public void Dispose()
    {
        _pod.Dispose();
        _host.Dispose();
        _namespace.Dispose();
    }
}
