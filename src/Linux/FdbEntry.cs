using System.Net;
using System.Net.NetworkInformation;

namespace CniNet.Linux;

/// <summary>
/// One forwarding-database entry (AF_BRIDGE neighbour) of a device: on a VXLAN device, where frames for
/// <paramref name="Mac"/> are sent, encapsulated, as <c>bridge fdb … dst IP self permanent</c> writes it.
/// </summary>
/// <param name="InterfaceIndex">The ifindex of the device that owns the entry.</param>
/// <param name="Mac">The destination MAC the entry matches.</param>
/// <param name="Destination">The remote VTEP's underlay address (NDA_DST); null for the device's own unicast and multicast addresses, which every dump lists.</param>
/// <param name="State">NUD_* state.</param>
/// <param name="Self">NTF_SELF: the entry lives in the device's own table (a VXLAN device's), not in a bridge master's.</param>
public sealed record FdbEntry(int InterfaceIndex, PhysicalAddress Mac, IPAddress? Destination, NeighbourState State, bool Self);
