using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using CniNet.Linux.Netlink;

namespace CniNet.Linux;

public sealed partial class Rtnetlink
{
    /// <summary>
    /// Sets a permanent ARP (IPv4) or NDP (IPv6) entry <paramref name="address"/> → <paramref name="mac"/> on the
    /// interface, replacing whatever entry the address had (<c>ip neigh replace … nud permanent</c>).
    /// </summary>
    public void SetNeighbour(int index, IPAddress address, PhysicalAddress mac)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(mac);
        var writer = _socket.BeginRequest(Uapi.RTM_NEWNEIGH, Uapi.NLM_F_CREATE | Uapi.NLM_F_REPLACE);
        NeighbourMessage.Write(writer, AddressMessage.FamilyOf(address.AddressFamily), index, NeighbourState.Permanent, 0, address, mac);
        _socket.Execute("RTM_NEWNEIGH", () => $"{address} lladdr {mac} dev {InterfaceName(index)}");
    }

    /// <summary>Deletes the interface's neighbour entry for <paramref name="address"/>; false when there was none.</summary>
    public bool DeleteNeighbour(int index, IPAddress address)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        ArgumentNullException.ThrowIfNull(address);
        var writer = _socket.BeginRequest(Uapi.RTM_DELNEIGH, 0);
        NeighbourMessage.Write(writer, AddressMessage.FamilyOf(address.AddressFamily), index, NeighbourState.None, 0, address, null);
        return _socket.Execute("RTM_DELNEIGH", () => $"{address} dev {InterfaceName(index)}", Errno.ENOENT);
    }

    /// <summary>The ARP (or NDP) entries of one interface (or all), whatever their state.</summary>
    public IReadOnlyList<NeighbourEntry> ListNeighbours(AddressFamily family, int? index = null)
    {
        var familyByte = AddressMessage.FamilyOf(family);
        return DumpNeighbours(familyByte)
            .Where(e => e.Family == familyByte && e.Destination is not null && (index is null || e.InterfaceIndex == index))
            .Select(e => new NeighbourEntry(e.InterfaceIndex, e.Destination!, e.Mac, e.State))
            .ToList();
    }

    /// <summary>
    /// Sets a permanent entry in the device's own forwarding database (NTF_SELF): frames for <paramref name="mac"/>
    /// go, encapsulated, to <paramref name="destination"/> (<c>bridge fdb replace MAC dev DEV dst IP self permanent</c>).
    /// An entry for the MAC is replaced, so each MAC has one destination.
    /// </summary>
    public void SetFdbEntry(int index, PhysicalAddress mac, IPAddress destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        ArgumentNullException.ThrowIfNull(mac);
        ArgumentNullException.ThrowIfNull(destination);
        var writer = _socket.BeginRequest(Uapi.RTM_NEWNEIGH, Uapi.NLM_F_CREATE | Uapi.NLM_F_REPLACE);
        NeighbourMessage.Write(writer, Uapi.AF_BRIDGE, index, NeighbourState.Permanent, Uapi.NTF_SELF, destination, mac);
        _socket.Execute("RTM_NEWNEIGH", () => $"fdb {mac} dev {InterfaceName(index)} dst {destination}");
    }

    /// <summary>
    /// Deletes the device's own FDB entry <paramref name="mac"/> → <paramref name="destination"/>; false when the device
    /// has no entry for the MAC. The kernel acknowledges a destination the entry does not have and keeps the entry.
    /// </summary>
    public bool DeleteFdbEntry(int index, PhysicalAddress mac, IPAddress destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        ArgumentNullException.ThrowIfNull(mac);
        ArgumentNullException.ThrowIfNull(destination);
        var writer = _socket.BeginRequest(Uapi.RTM_DELNEIGH, 0);
        NeighbourMessage.Write(writer, Uapi.AF_BRIDGE, index, NeighbourState.None, Uapi.NTF_SELF, destination, mac);
        return _socket.Execute("RTM_DELNEIGH", () => $"fdb {mac} dev {InterfaceName(index)} dst {destination}", Errno.ENOENT);
    }

    /// <summary>The forwarding-database entries of one device, its own unicast and multicast addresses included.</summary>
    public IReadOnlyList<FdbEntry> ListFdbEntries(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        return DumpNeighbours(Uapi.AF_BRIDGE)
            .Where(e => e.Family == Uapi.AF_BRIDGE && e.InterfaceIndex == index && e.Mac is not null)
            .Select(e => new FdbEntry(e.InterfaceIndex, e.Mac!, e.Destination, e.State, (e.Flags & Uapi.NTF_SELF) != 0))
            .ToList();
    }

    private List<NeighbourMessage.Entry> DumpNeighbours(byte family) =>
        _socket.Dump<NeighbourMessage.Entry>(
            Uapi.RTM_GETNEIGH, writer => NeighbourMessage.WriteDumpRequest(writer, family), Uapi.RTM_NEWNEIGH, NeighbourMessage.TryParse, "RTM_GETNEIGH");
}
