using System.Net;
using System.Net.NetworkInformation;

namespace CniNet.Linux.Netlink;

/// <summary>
/// RTM_NEWNEIGH / RTM_DELNEIGH / RTM_GETNEIGH payloads: struct ndmsg followed by NDA_* attributes. One message shape
/// serves ARP/NDP (family AF_INET/AF_INET6: IP → MAC) and the forwarding database (AF_BRIDGE: MAC → remote IP).
/// </summary>
internal static class NeighbourMessage
{
    /// <summary>A neighbour as the kernel reports it, before it is told apart as ARP or FDB.</summary>
    public readonly record struct Entry(byte Family, int InterfaceIndex, NeighbourState State, byte Flags, IPAddress? Destination, PhysicalAddress? Mac);

    public static void Write(NetlinkMessageWriter writer, byte family, int index, NeighbourState state, byte flags, IPAddress? destination, PhysicalAddress? mac)
    {
        var header = writer.Append(Uapi.NDMSG_LEN);
        header[0] = family;
        HostOrder.WriteInt32(header[4..], index);
        HostOrder.WriteUInt16(header[8..], (ushort)state);
        header[10] = flags;
        if (destination is not null) writer.AttributeAddress(Uapi.NDA_DST, destination);
        if (mac is not null) writer.Attribute(Uapi.NDA_LLADDR, mac.GetAddressBytes());
    }

    /// <summary>A dump request for one family (the kernel answers AF_UNSPEC with every family, bridges included).</summary>
    public static void WriteDumpRequest(NetlinkMessageWriter writer, byte family) => writer.Append(Uapi.NDMSG_LEN)[0] = family;

    /// <summary>
    /// A neighbour of any family; NDA_DST is an IPv4 or IPv6 address by its length (an AF_BRIDGE entry's remote
    /// VTEP may be either).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out Entry entry)
    {
        entry = default;
        if (payload.Length < Uapi.NDMSG_LEN) return false;
        var family = payload[0];
        var index = HostOrder.ReadUInt32(payload[4..]);
        if (index > int.MaxValue) return false;
        IPAddress? destination = null;
        PhysicalAddress? mac = null;
        var attributes = new NetlinkAttributeReader(payload[Uapi.NDMSG_LEN..]);
        NetlinkReadStatus status;
        while ((status = attributes.Next(out var type, out var value)) == NetlinkReadStatus.Item)
        {
            switch (type)
            {
                case Uapi.NDA_DST:
                    if (!NetlinkAttribute.TryReadAddress(value, value.Length == 4 ? Uapi.AF_INET : Uapi.AF_INET6, out var d)) return false;
                    destination = d;
                    break;
                case Uapi.NDA_LLADDR:
                    mac = NetlinkAttribute.ReadMac(value);
                    break;
            }
        }
        if (status == NetlinkReadStatus.Malformed) return false;
        entry = new Entry(family, (int)index, (NeighbourState)HostOrder.ReadUInt16(payload[8..]), payload[10], destination, mac);
        return true;
    }
}
