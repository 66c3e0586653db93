using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace CniNet.Linux.Netlink;

/// <summary>RTM_NEWADDR / RTM_GETADDR payloads: struct ifaddrmsg followed by IFA_* attributes.</summary>
internal static class AddressMessage
{
    /// <summary>
    /// An address to add. IPv4 wants IFA_LOCAL (the address itself) as well as IFA_ADDRESS (the peer on
    /// point-to-point links, otherwise the same); IPv6 reads IFA_ADDRESS only. Flags beyond the ifa_flags byte
    /// travel in IFA_FLAGS (Linux 3.14).
    /// </summary>
    public static void Write(NetlinkMessageWriter writer, int index, IPAddress address, int prefixLength, AddressFlags flags)
    {
        var header = writer.Append(Uapi.IFADDRMSG_LEN);
        header[0] = FamilyOf(address.AddressFamily);
        header[1] = (byte)prefixLength;
        header[2] = (byte)((uint)flags & 0xff);
        HostOrder.WriteInt32(header[4..], index);
        if (address.AddressFamily == AddressFamily.InterNetwork) writer.AttributeAddress(Uapi.IFA_LOCAL, address);
        writer.AttributeAddress(Uapi.IFA_ADDRESS, address);
        if ((uint)flags > 0xff) writer.AttributeUInt32(Uapi.IFA_FLAGS, (uint)flags);
    }

    /// <summary>A dump request for one family (AF_UNSPEC would also dump families such as phonet that this codec does not read).</summary>
    public static void WriteDumpRequest(NetlinkMessageWriter writer, AddressFamily family) =>
        writer.Append(Uapi.IFADDRMSG_LEN)[0] = FamilyOf(family);

    public static bool TryParse(ReadOnlySpan<byte> payload, [MaybeNullWhen(false)] out AddressInfo address)
    {
        address = null;
        if (payload.Length < Uapi.IFADDRMSG_LEN) return false;
        var family = payload[0];
        int prefixLength = payload[1];
        uint flags = payload[2];
        var scope = (RouteScope)payload[3];
        var index = HostOrder.ReadUInt32(payload[4..]);
        if (prefixLength > MaxPrefixLength(family) || index > int.MaxValue) return false;
        IPAddress? local = null, peer = null;
        var attributes = new NetlinkAttributeReader(payload[Uapi.IFADDRMSG_LEN..]);
        NetlinkReadStatus status;
        while ((status = attributes.Next(out var type, out var value)) == NetlinkReadStatus.Item)
        {
            switch (type)
            {
                case Uapi.IFA_LOCAL:
                    if (!NetlinkAttribute.TryReadAddress(value, family, out var l)) return false;
                    local = l;
                    break;
                case Uapi.IFA_ADDRESS:
                    if (!NetlinkAttribute.TryReadAddress(value, family, out var a)) return false;
                    peer = a;
                    break;
                case Uapi.IFA_FLAGS:
                    if (!NetlinkAttribute.TryReadUInt32(value, out flags)) return false;
                    break;
            }
        }
        if (status == NetlinkReadStatus.Malformed || (local ?? peer) is not { } ip) return false;
        address = new AddressInfo((int)index, ip, prefixLength, scope, (AddressFlags)flags);
        return true;
    }

    internal static byte FamilyOf(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => Uapi.AF_INET,
        AddressFamily.InterNetworkV6 => Uapi.AF_INET6,
        _ => throw new ArgumentException($"address family {family} is neither IPv4 nor IPv6"),
    };

    internal static int MaxPrefixLength(byte family) => family switch
    {
        Uapi.AF_INET => 32,
        Uapi.AF_INET6 => 128,
        _ => -1,
    };
}
