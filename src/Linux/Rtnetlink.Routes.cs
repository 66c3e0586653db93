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
    /// Writes many route changes, packed many to a datagram and acknowledged once per datagram (the kernel answers the
    /// other requests only when they fail), in order. Returns the refused ones; the rest are in the table when this
    /// returns. Use it where one request per route would cost a round trip per route (a BGP speaker's learned routes).
    /// </summary>
    public IReadOnlyList<RouteRequestFailure> WriteRoutes(IReadOnlyList<RouteRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        foreach (var request in requests) request.Route.Validate();
        var refused = new List<(int Index, Errno Error, string? KernelMessage)>();
        _socket.ExecuteMany(
            requests.Count,
            i => requests[i].Operation switch
            {
                RouteOperation.Add => (Uapi.RTM_NEWROUTE, (ushort)(Uapi.NLM_F_CREATE | Uapi.NLM_F_EXCL)),
                RouteOperation.Replace => (Uapi.RTM_NEWROUTE, (ushort)(Uapi.NLM_F_CREATE | Uapi.NLM_F_REPLACE)),
                _ => (Uapi.RTM_DELROUTE, (ushort)0),
            },
            (i, writer) => RouteMessage.Write(writer, requests[i].Route),
            (i, error, kernelMessage) => refused.Add((i, error, kernelMessage)),
            "RTM_NEWROUTE");
        // Described only now: naming an interface is itself a request on this socket, which must not run inside the batch.
        return refused.Select(r =>
        {
            var request = requests[r.Index];
            var operation = request.Operation == RouteOperation.Delete ? "RTM_DELROUTE" : "RTM_NEWROUTE";
            return new RouteRequestFailure(r.Index, request, new LinuxException(r.Error, operation, Describe(request.Route), r.KernelMessage));
        }).ToList();
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
