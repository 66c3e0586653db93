using System.Net;
using System.Net.NetworkInformation;

namespace CniNet.Linux;

/// <summary>One ARP (IPv4) or NDP (IPv6) entry as RTM_GETNEIGH reports it.</summary>
/// <param name="InterfaceIndex">The ifindex of the interface the neighbour is on.</param>
/// <param name="Address">The neighbour's IP address (NDA_DST).</param>
/// <param name="Mac">Its link-layer address (NDA_LLADDR); null while unresolved.</param>
/// <param name="State">NUD_* state; entries Felix writes are <see cref="NeighbourState.Permanent"/>.</param>
public sealed record NeighbourEntry(int InterfaceIndex, IPAddress Address, PhysicalAddress? Mac, NeighbourState State);
