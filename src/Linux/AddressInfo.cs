using System.Net;

namespace CniNet.Linux;

/// <summary>One interface address as RTM_GETADDR reports it.</summary>
/// <param name="InterfaceIndex">The ifindex of the interface that holds the address.</param>
/// <param name="Address">For IPv4 the local address (IFA_LOCAL), which differs from IFA_ADDRESS only on point-to-point links.</param>
/// <param name="PrefixLength">The prefix length the address was added with.</param>
/// <param name="Scope">The address scope (<see cref="RouteScope.Host"/> for 127.0.0.1 and ::1, <see cref="RouteScope.Link"/> for fe80::/10).</param>
/// <param name="Flags">IFA_F_* flags; addresses added from user space carry <see cref="AddressFlags.Permanent"/>.</param>
public sealed record AddressInfo(int InterfaceIndex, IPAddress Address, int PrefixLength, RouteScope Scope, AddressFlags Flags);
