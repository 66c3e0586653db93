using System.Net.Sockets;
using CniNet.Linux.Netlink;

namespace CniNet.Linux;

public sealed partial class Rtnetlink
{
    /// <summary>Adds the route.</summary>
    /// <exception cref="LinuxException">
    /// EEXIST when the table already has a route with that key; ENETUNREACH when the gateway is not reachable on a
    /// connected route (add the link-scope route to it first, or set <see cref="RouteSpec.OnLink"/>); ENETDOWN when
    /// the output interface is down.
    /// </exception>
    public void AddRoute(RouteSpec route) => WriteRoute(Uapi.RTM_NEWROUTE, Uapi.NLM_F_CREATE | Uapi.NLM_F_EXCL, route);

    /// <summary>Adds the route, or replaces the one with the same key (destination, table, and for IPv4 metric and type).</summary>
    public void ReplaceRoute(RouteSpec route) => WriteRoute(Uapi.RTM_NEWROUTE, Uapi.NLM_F_CREATE | Uapi.NLM_F_REPLACE, route);

    /// <summary>
    /// Deletes the route that matches every field of <paramref name="route"/> (a route read back by
    /// <see cref="ListRoutes"/> matches itself); false when no route matched.
    /// </summary>
    public bool DeleteRoute(RouteSpec route)
    {
        ArgumentNullException.ThrowIfNull(route);
        route.Validate();
        RouteMessage.Write(_socket.BeginRequest(Uapi.RTM_DELROUTE, 0), route);
        return _socket.Execute("RTM_DELROUTE", () => Describe(route), Errno.ESRCH);
    }

    /// <summary>
    /// The routes of one family in <paramref name="table"/> (null: every table), without the kernel's cached
    /// clones. Multipath routes come back without gateway or output interface.
    /// </summary>
    public IReadOnlyList<RouteSpec> ListRoutes(AddressFamily family, uint? table = RouteTable.Main)
    {
        var entries = _socket.Dump<RouteMessage.Entry>(
            Uapi.RTM_GETROUTE, writer => RouteMessage.WriteDumpRequest(writer, family), Uapi.RTM_NEWROUTE, RouteMessage.TryParse, "RTM_GETROUTE");
        return entries.Where(e => !e.Cloned && (table is null || e.Route.Table == table)).Select(e => e.Route).ToList();
    }

    private void WriteRoute(ushort type, ushort flags, RouteSpec route)
    {
        ArgumentNullException.ThrowIfNull(route);
        route.Validate();
        RouteMessage.Write(_socket.BeginRequest(type, flags), route);
        _socket.Execute("RTM_NEWROUTE", () => Describe(route));
    }

    private string Describe(RouteSpec route) => route.Describe(route.OutputInterface is { } index ? InterfaceName(index) : null);
}
