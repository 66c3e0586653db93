using System.Net.Sockets;
using CniNet.Linux;
using CniNet.Model.Net;

namespace CniNet.Bgp.Speaker;

/// <summary>
/// The speaker's routes in the kernel's main table, all with its own protocol number: a blackhole per local block,
/// and a route via the best path's next hop per learned prefix. Changes are collected and written by
/// <see cref="Flush"/> as one netlink batch (a BGP UPDATE carries hundreds of prefixes; a round trip each would cost
/// more than the RIB). Remembers what it installed so a delete names the exact route, and clears leftovers of an
/// earlier run at start. Not thread-safe; the speaker serialises access.
/// </summary>
internal sealed class KernelRoutes(Rtnetlink netlink, byte protocol, Action<string> log) : IDisposable
{
    private readonly Dictionary<Cidr, RouteSpec> _installed = [];

    /// <summary>What the next <see cref="Flush"/> writes: per prefix the wanted route, or null for none.</summary>
    private readonly Dictionary<Cidr, RouteSpec?> _pending = [];

    public void RemoveLeftovers()
    {
        var leftovers = new List<RouteRequest>();
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
            leftovers.AddRange(netlink.ListRoutes(family).Where(r => r.Protocol == protocol).Select(r => new RouteRequest(RouteOperation.Delete, r)));
        foreach (var failure in netlink.WriteRoutes(leftovers)) log($"removing a leftover: {failure.Error.Message}");
    }

    public void Blackhole(Cidr prefix) =>
        _pending[prefix] = new RouteSpec(prefix.NetworkAddress, prefix.PrefixLength) { Type = RouteType.Blackhole, Protocol = protocol };

    /// <summary>Routes <paramref name="prefix"/> via <paramref name="nextHop"/>; a next hop that is not directly reachable is logged and skipped.</summary>
    public void Via(Cidr prefix, System.Net.IPAddress nextHop) =>
        _pending[prefix] = new RouteSpec(prefix.NetworkAddress, prefix.PrefixLength) { Gateway = nextHop, Protocol = protocol };

    public void Remove(Cidr prefix) => _pending[prefix] = null;

    /// <summary>
    /// Writes the changes collected since the last flush. The first route for a prefix is added exclusively (a
    /// connected route or one of Felix's with the same key is never clobbered: the kernel refuses with EEXIST and the
    /// prefix stays in the RIB only); ours are replaced, or deleted and added when the route type changes.
    /// </summary>
    public void Flush()
    {
        if (_pending.Count == 0) return;
        var requests = new List<RouteRequest>(_pending.Count);
        var prefixes = new List<Cidr>(_pending.Count);
        foreach (var (prefix, wanted) in _pending)
        {
            var ours = _installed.TryGetValue(prefix, out var existing);
            if (wanted is null)
            {
                if (!ours) continue;
                _installed.Remove(prefix);
                Request(RouteOperation.Delete, existing!);
                continue;
            }
            if (ours && existing == wanted) continue;
            if (ours && existing!.Type != wanted.Type) Request(RouteOperation.Delete, existing);
            Request(ours && existing!.Type == wanted.Type ? RouteOperation.Replace : RouteOperation.Add, wanted);
            _installed[prefix] = wanted;
        }
        _pending.Clear();
        IReadOnlyList<RouteRequestFailure> failures;
        try
        {
            failures = netlink.WriteRoutes(requests);
        }
        catch (LinuxException e)
        {
            log($"writing {requests.Count} route changes: {e.Message}");
            return;
        }
        var stuck = new List<RouteRequest>();
        foreach (var failure in failures)
        {
            // ENETUNREACH and the like: the next hop is not on a connected network; EEXIST: the prefix is not ours to route.
            log(failure.Error.Message);
            if (failure.Request.Operation == RouteOperation.Delete) continue;
            _installed.Remove(prefixes[failure.Index]);
            // A refused replace leaves our previous route in place: it goes too, as the prefix is no longer routed by us.
            if (failure.Request.Operation == RouteOperation.Replace)
                stuck.Add(new RouteRequest(RouteOperation.Delete, failure.Request.Route with { Gateway = null }));
        }
        foreach (var failure in stuck.Count > 0 ? netlink.WriteRoutes(stuck) : []) log(failure.Error.Message);

        void Request(RouteOperation operation, RouteSpec route)
        {
            requests.Add(new RouteRequest(operation, route));
            prefixes.Add(Cidr.Containing(route.Destination, route.PrefixLength));
        }
    }

    public void Dispose()
    {
        foreach (var prefix in _installed.Keys) _pending[prefix] = null;
        Flush();
        netlink.Dispose();
    }
}
