using System.Net.Sockets;
using CniNet.Linux;
using CniNet.Model.Net;

namespace CniNet.Bgp.Speaker;

/// <summary>
/// The speaker's routes in the kernel's main table, all with its own protocol number: a blackhole per local block,
/// and a route via the best path's next hop per learned prefix. Remembers what it installed so a delete names the
/// exact route, and clears leftovers of an earlier run at start.
/// </summary>
internal sealed class KernelRoutes(Rtnetlink netlink, byte protocol, Action<string> log) : IDisposable
{
    private readonly Dictionary<Cidr, RouteSpec> _installed = [];

    public void RemoveLeftovers()
    {
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
            foreach (var route in netlink.ListRoutes(family).Where(r => r.Protocol == protocol))
                netlink.DeleteRoute(route);
    }

    public void Blackhole(Cidr prefix) =>
        Install(prefix, new RouteSpec(prefix.NetworkAddress, prefix.PrefixLength) { Type = RouteType.Blackhole, Protocol = protocol });

    /// <summary>Routes <paramref name="prefix"/> via <paramref name="nextHop"/>; a next hop that is not directly reachable is logged and skipped.</summary>
    public void Via(Cidr prefix, System.Net.IPAddress nextHop) =>
        Install(prefix, new RouteSpec(prefix.NetworkAddress, prefix.PrefixLength) { Gateway = nextHop, Protocol = protocol });

    public void Remove(Cidr prefix)
    {
        if (!_installed.Remove(prefix, out var route)) return;
        try
        {
            netlink.DeleteRoute(route);
        }
        catch (LinuxException e)
        {
            log($"removing {route}: {e.Message}");
        }
    }

    public void Dispose()
    {
        foreach (var prefix in _installed.Keys.ToList()) Remove(prefix);
        netlink.Dispose();
    }

    /// <summary>
    /// Adds the first route for a prefix exclusively (a connected route or one of Felix's with the same key is never
    /// clobbered: the kernel refuses with EEXIST and the prefix stays in the RIB only), then replaces our own.
    /// </summary>
    private void Install(Cidr prefix, RouteSpec route)
    {
        var ours = _installed.TryGetValue(prefix, out var existing);
        if (ours && existing == route) return;
        try
        {
            if (ours) netlink.ReplaceRoute(route);
            else netlink.AddRoute(route);
            _installed[prefix] = route;
        }
        catch (LinuxException e)
        {
            // ENETUNREACH and the like: the next hop is not on a connected network; EEXIST: the prefix is not ours to route.
            log($"installing {route}: {e.Message}");
            Remove(prefix);
        }
    }
}
