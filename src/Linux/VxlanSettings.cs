using System.Net;

namespace CniNet.Linux;

/// <summary>
/// What makes a VXLAN device the one it is (IFLA_INFO_DATA of kind <c>vxlan</c>): changing any of these means
/// deleting and creating it again, as Felix does. MTU and MAC are plain link attributes and change in place.
/// </summary>
/// <param name="Vni">The VXLAN network identifier (24 bits; Calico's default 4096).</param>
/// <param name="Local">The source address of encapsulated packets: the node's underlay address.</param>
/// <param name="ParentIndex">The ifindex of the underlay device encapsulated packets leave by (IFLA_VXLAN_LINK).</param>
/// <param name="Port">The UDP destination port (Calico's default 4789, IANA's VXLAN port).</param>
public sealed record VxlanSettings(uint Vni, IPAddress Local, int ParentIndex, ushort Port)
{
    /// <summary>Whether the device learns remote MACs from received packets; Felix writes every FDB entry itself and turns it off.</summary>
    public bool Learning { get; init; }

    internal void Validate()
    {
        if (Vni is 0 or > 0xFFFFFF) throw new ArgumentOutOfRangeException(nameof(Vni), Vni, "a VNI is 1 to 16777215");
        if (ParentIndex <= 0) throw new ArgumentOutOfRangeException(nameof(ParentIndex), ParentIndex, "the parent's ifindex must be positive");
        if (Port == 0) throw new ArgumentOutOfRangeException(nameof(Port), Port, "the UDP port must not be 0");
        if (Local.AddressFamily is not (System.Net.Sockets.AddressFamily.InterNetwork or System.Net.Sockets.AddressFamily.InterNetworkV6))
            throw new ArgumentException($"local address {Local} is neither IPv4 nor IPv6", nameof(Local));
    }
}
