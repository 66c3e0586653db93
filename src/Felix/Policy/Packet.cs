using System.Net;
using System.Net.Sockets;
using CniNet.Model.Policy;

namespace CniNet.Felix.Policy;

/// <summary>
/// The first packet of a flow as policy sees it. Ports are null for protocols without ports or when unknown (a probe
/// does not know the ephemeral source port, so rules with source ports never match it); ICMP type and code only for
/// ICMP packets.
/// </summary>
public sealed record Packet(IPAddress Source, IPAddress Destination, Protocol Protocol, ushort? SourcePort, ushort? DestinationPort)
{
    public byte? IcmpType { get; init; }

    public byte? IcmpCode { get; init; }

    public int IpVersion => Source.AddressFamily == AddressFamily.InterNetworkV6 ? 6 : 4;
}
