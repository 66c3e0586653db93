using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using CniNet.Felix.Dataplane;
using CniNet.Linux;

namespace CniNet.Felix.Overlay;

/// <summary>
/// Makes one node's kernel match an <see cref="OverlayPlan"/>, as Felix's VXLAN manager does: the <c>vxlan.calico</c>
/// device on the underlay device that holds the node's address (VNI, port, source address, learning off), the
/// tunnel address on it as a /32, a permanent ARP and a permanent FDB entry per remote VTEP, a route per remote block,
/// and the filter that accepts VXLAN only from known nodes. Reads the kernel each time and changes only what differs,
/// so it is idempotent and picks up after a restart; it removes only what it owns (routes on the device or with
/// protocol <see cref="RouteProtocol"/>, entries on the device, its own nft table). Not thread-safe.
/// </summary>
/// <remarks>
/// Changes go in Felix's order: route removes, VTEP removes, VTEP adds, then route adds, so no route ever points at
/// a VTEP the kernel cannot resolve.
/// </remarks>
public sealed class VxlanOverlay(Rtnetlink netlink, INftExecutor nft)
{
    public const string DeviceName = "vxlan.calico";

    /// <summary>Felix's protocol for the routes it programs for VXLAN (VXLANDefaultProto), which marks them as its own.</summary>
    public const byte RouteProtocol = 80;

    private readonly VxlanSourceFilter _filter = new(nft);

    /// <summary>The node's overlay as <paramref name="source"/> (one datastore snapshot) says it should be.</summary>
    public void Reconcile(OverlaySource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Apply(source.Plan(), source.Config);
    }

    /// <summary>Brings the kernel to <paramref name="plan"/>; an empty plan (no local VTEP) removes the device and everything of the overlay.</summary>
    /// <exception cref="LinuxException">A kernel request failed; what was applied before it stays, and the next call completes the rest.</exception>
    /// <exception cref="InvalidOperationException">No interface holds the node's address, or nft refused the filter.</exception>
    public void Apply(OverlayPlan plan, VxlanConfig config)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(config);
        if (plan.Local is not { } local)
        {
            RemoveAll();
            return;
        }
        var parent = ParentOf(local.NodeAddress);
        var device = EnsureDevice(local, parent, config);

        var wanted = plan.Routes.Select(r => RouteOf(r, device, parent)).ToHashSet();
        var current = OwnedRoutes(device).ToHashSet();
        foreach (var route in current.Where(r => !wanted.Contains(r))) netlink.DeleteRoute(route);

        var arp = plan.Remotes.ToDictionary(v => v.TunnelAddress, v => v.Mac);
        var fdb = plan.Remotes.Select(v => (v.Mac, v.NodeAddress)).ToHashSet();
        var arpNow = netlink.ListNeighbours(AddressFamily.InterNetwork, device);
        var fdbNow = netlink.ListFdbEntries(device).Where(e => e.Destination is not null).ToList();
        foreach (var entry in arpNow.Where(e => !(arp.TryGetValue(e.Address, out var mac) && mac.Equals(e.Mac) && e.State == NeighbourState.Permanent)))
            netlink.DeleteNeighbour(device, entry.Address);
        foreach (var entry in fdbNow.Where(e => !fdb.Contains((e.Mac, e.Destination!)) || e.State != NeighbourState.Permanent))
            netlink.DeleteFdbEntry(device, entry.Mac, entry.Destination!);
        foreach (var (address, mac) in arp.Where(w => !arpNow.Any(e => e.Address.Equals(w.Key) && w.Value.Equals(e.Mac) && e.State == NeighbourState.Permanent)))
            netlink.SetNeighbour(device, address, mac);
        foreach (var (mac, destination) in fdb.Where(w => !fdbNow.Any(e => e.Mac.Equals(w.Mac) && w.NodeAddress.Equals(e.Destination) && e.State == NeighbourState.Permanent)))
            netlink.SetFdbEntry(device, mac, destination);

        foreach (var route in wanted.Where(r => !current.Contains(r))) netlink.ReplaceRoute(route);
        _filter.Apply(plan.KnownNodeAddresses, config.Port);
    }

    /// <summary>The interface holding the node's underlay address: encapsulated packets leave by it.</summary>
    private int ParentOf(IPAddress nodeAddress) =>
        netlink.ListAddresses(family: AddressFamily.InterNetwork).FirstOrDefault(a => a.Address.Equals(nodeAddress))?.InterfaceIndex
        ?? throw new InvalidOperationException($"no interface has the node address {nodeAddress}: VXLAN has no underlay to send from");

    /// <summary>The device as the plan wants it: recreated when its VXLAN settings differ, MTU and MAC changed in place.</summary>
    private int EnsureDevice(Vtep local, int parent, VxlanConfig config)
    {
        var settings = new VxlanSettings(config.Vni, local.NodeAddress, parent, config.Port);
        var link = netlink.GetLink(DeviceName);
        if (link is not null && (link.Kind != "vxlan" || link.Vxlan != settings))
        {
            netlink.DeleteLink(link.Index);
            link = null;
        }
        if (link is null)
        {
            netlink.CreateVxlan(DeviceName, settings, config.Mtu, local.Mac);
            link = netlink.GetLink(DeviceName) ?? throw new InvalidOperationException($"{DeviceName} vanished right after it was created");
        }
        if (link.Mtu != config.Mtu) netlink.SetMtu(link.Index, config.Mtu);
        if (!local.Mac.Equals(link.Mac)) netlink.SetMac(link.Index, local.Mac);
        var addresses = netlink.ListAddresses(link.Index, AddressFamily.InterNetwork);
        foreach (var stale in addresses.Where(a => !(a.Address.Equals(local.TunnelAddress) && a.PrefixLength == 32)))
            netlink.DeleteAddress(link.Index, stale.Address, stale.PrefixLength);
        if (!addresses.Any(a => a.Address.Equals(local.TunnelAddress) && a.PrefixLength == 32))
            netlink.AddAddress(link.Index, local.TunnelAddress, 32);
        if (!link.IsUp) netlink.SetLinkUp(link.Index);
        return link.Index;
    }

    /// <summary>Routes this manager owns: everything on the device, and its direct (CrossSubnet) routes, known by protocol.</summary>
    private IEnumerable<RouteSpec> OwnedRoutes(int? device) =>
        netlink.ListRoutes(AddressFamily.InterNetwork)
            .Where(r => r.Protocol != Linux.RouteProtocol.Kernel && (r.OutputInterface == device || r.Protocol == RouteProtocol));

    private static RouteSpec RouteOf(OverlayRoute route, int device, int parent) =>
        new(route.Block.NetworkAddress, route.Block.PrefixLength)
        {
            Gateway = route.Gateway,
            OutputInterface = route.Encapsulated ? device : parent,
            OnLink = route.Encapsulated,
            Protocol = RouteProtocol,
        };

    private void RemoveAll()
    {
        foreach (var route in OwnedRoutes(null)) netlink.DeleteRoute(route);
        if (netlink.GetLink(DeviceName) is { } link) netlink.DeleteLink(link.Index);
        _filter.Remove();
    }
}
