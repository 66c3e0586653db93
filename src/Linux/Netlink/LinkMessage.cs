using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.NetworkInformation;

namespace CniNet.Linux.Netlink;

/// <summary>RTM_NEWLINK / RTM_GETLINK / RTM_DELLINK payloads: struct ifinfomsg followed by IFLA_* attributes.</summary>
internal static class LinkMessage
{
    /// <summary>The fixed part of a link message.</summary>
    public readonly record struct Header(byte Family, ushort Type, int Index, uint Flags, uint Change);

    public static void WriteHeader(NetlinkMessageWriter writer, int index, uint flags = 0, uint change = 0)
    {
        var header = writer.Append(Uapi.IFINFOMSG_LEN);
        HostOrder.WriteInt32(header[4..], index);
        HostOrder.WriteUInt32(header[8..], flags);
        HostOrder.WriteUInt32(header[12..], change);
    }

    /// <summary>A query for one link (by index, or by name with index 0) or, in a dump, for all of them.</summary>
    public static void WriteQuery(NetlinkMessageWriter writer, int index, string? name)
    {
        WriteHeader(writer, index);
        if (name is not null) writer.AttributeString(Uapi.IFLA_IFNAME, name);
        // The 64-bit counters are most of a link reply and nobody here reads them.
        writer.AttributeUInt32(Uapi.IFLA_EXT_MASK, Uapi.RTEXT_FILTER_SKIP_STATS);
    }

    /// <summary>
    /// One RTM_NEWLINK that creates both ends: the peer's own ifinfomsg and attributes (including IFLA_NET_NS_FD)
    /// ride inside IFLA_LINKINFO / IFLA_INFO_DATA / VETH_INFO_PEER, so the kernel registers the peer directly in
    /// its namespace and undoes both if either name is taken.
    /// </summary>
    public static void WriteVethPair(
        NetlinkMessageWriter writer, string name, string peerName, int? peerNamespaceFd, int mtu, PhysicalAddress? mac, PhysicalAddress? peerMac)
    {
        WriteHeader(writer, 0);
        WriteIdentity(writer, name, mtu, mac);
        var linkInfo = writer.BeginNested(Uapi.IFLA_LINKINFO);
        writer.AttributeString(Uapi.IFLA_INFO_KIND, "veth");
        var data = writer.BeginNested(Uapi.IFLA_INFO_DATA);
        var peer = writer.BeginNested(Uapi.VETH_INFO_PEER);
        WriteHeader(writer, 0);
        WriteIdentity(writer, peerName, mtu, peerMac);
        if (peerNamespaceFd is { } fd) writer.AttributeUInt32(Uapi.IFLA_NET_NS_FD, (uint)fd);
        writer.EndNested(peer);
        writer.EndNested(data);
        writer.EndNested(linkInfo);
    }

    /// <summary>
    /// One RTM_NEWLINK that creates a VXLAN device with its settings in IFLA_LINKINFO / IFLA_INFO_DATA, as
    /// <c>ip link add NAME type vxlan id VNI local IP dev PARENT dstport PORT nolearning</c> does.
    /// </summary>
    public static void WriteVxlan(NetlinkMessageWriter writer, string name, VxlanSettings vxlan, int mtu, PhysicalAddress? mac)
    {
        WriteHeader(writer, 0);
        WriteIdentity(writer, name, mtu, mac);
        var linkInfo = writer.BeginNested(Uapi.IFLA_LINKINFO);
        writer.AttributeString(Uapi.IFLA_INFO_KIND, "vxlan");
        var data = writer.BeginNested(Uapi.IFLA_INFO_DATA);
        writer.AttributeUInt32(Uapi.IFLA_VXLAN_ID, vxlan.Vni);
        writer.AttributeUInt32(Uapi.IFLA_VXLAN_LINK, (uint)vxlan.ParentIndex);
        writer.AttributeAddress(
            vxlan.Local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? Uapi.IFLA_VXLAN_LOCAL : Uapi.IFLA_VXLAN_LOCAL6, vxlan.Local);
        writer.AttributeUInt8(Uapi.IFLA_VXLAN_LEARNING, vxlan.Learning ? (byte)1 : (byte)0);
        Span<byte> port = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(port, vxlan.Port);
        writer.Attribute(Uapi.IFLA_VXLAN_PORT, port);
        writer.EndNested(data);
        writer.EndNested(linkInfo);
    }

    /// <summary>Changes to an existing link: an RTM_NEWLINK without NLM_F_CREATE only modifies what it carries.</summary>
    public static void WriteChange(NetlinkMessageWriter writer, int index, bool? up = null, int? mtu = null, PhysicalAddress? mac = null)
    {
        WriteHeader(writer, index, up == true ? Uapi.IFF_UP : 0, up is null ? 0 : Uapi.IFF_UP);
        if (mtu is { } value) writer.AttributeUInt32(Uapi.IFLA_MTU, (uint)value);
        if (mac is not null) writer.Attribute(Uapi.IFLA_ADDRESS, mac.GetAddressBytes());
    }

    public static bool TryReadHeader(ReadOnlySpan<byte> payload, out Header header)
    {
        if (payload.Length < Uapi.IFINFOMSG_LEN)
        {
            header = default;
            return false;
        }
        header = new Header(
            payload[0], HostOrder.ReadUInt16(payload[2..]), HostOrder.ReadInt32(payload[4..]),
            HostOrder.ReadUInt32(payload[8..]), HostOrder.ReadUInt32(payload[12..]));
        return true;
    }

    /// <summary>A link as the kernel describes it; every link it reports has a name.</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, [MaybeNullWhen(false)] out LinkInfo link)
    {
        link = null;
        if (!TryReadHeader(payload, out var header)) return false;
        string? name = null, kind = null;
        VxlanSettings? vxlan = null;
        PhysicalAddress? mac = null;
        uint mtu = 0;
        byte operState = 0;
        int? linkIndex = null;
        var attributes = new NetlinkAttributeReader(payload[Uapi.IFINFOMSG_LEN..]);
        NetlinkReadStatus status;
        while ((status = attributes.Next(out var type, out var value)) == NetlinkReadStatus.Item)
        {
            switch (type)
            {
                case Uapi.IFLA_IFNAME:
                    name = NetlinkAttribute.ReadString(value);
                    break;
                case Uapi.IFLA_ADDRESS:
                    mac = NetlinkAttribute.ReadMac(value);
                    break;
                case Uapi.IFLA_MTU:
                    if (!NetlinkAttribute.TryReadUInt32(value, out mtu)) return false;
                    break;
                case Uapi.IFLA_OPERSTATE:
                    if (!NetlinkAttribute.TryReadUInt8(value, out operState)) return false;
                    break;
                case Uapi.IFLA_LINK:
                    if (!NetlinkAttribute.TryReadUInt32(value, out var parent)) return false;
                    linkIndex = (int)parent;
                    break;
                case Uapi.IFLA_LINKINFO:
                    if (!TryReadLinkInfo(value, out kind, out vxlan)) return false;
                    break;
            }
        }
        if (status == NetlinkReadStatus.Malformed || name is null || mtu > int.MaxValue) return false;
        link = new LinkInfo
        {
            Index = header.Index, Name = name, Mac = mac, Mtu = (int)mtu, IsUp = (header.Flags & Uapi.IFF_UP) != 0,
            OperState = (LinkOperState)operState, Kind = kind, LinkIndex = linkIndex, Vxlan = vxlan,
        };
        return true;
    }

    private static bool TryReadLinkInfo(ReadOnlySpan<byte> linkInfo, out string? kind, out VxlanSettings? vxlan)
    {
        kind = null;
        vxlan = null;
        ReadOnlySpan<byte> data = default;
        var attributes = new NetlinkAttributeReader(linkInfo);
        NetlinkReadStatus status;
        while ((status = attributes.Next(out var type, out var value)) == NetlinkReadStatus.Item)
        {
            if (type == Uapi.IFLA_INFO_KIND) kind = NetlinkAttribute.ReadString(value);
            else if (type == Uapi.IFLA_INFO_DATA) data = value;
        }
        if (status != NetlinkReadStatus.End) return false;
        return kind != "vxlan" || TryReadVxlan(data, out vxlan);
    }

    /// <summary>A VXLAN device's settings; the kernel omits the parent and the local address when they are unset.</summary>
    private static bool TryReadVxlan(ReadOnlySpan<byte> data, out VxlanSettings? vxlan)
    {
        vxlan = null;
        uint vni = 0, parent = 0;
        ushort port = 0;
        byte learning = 0;
        IPAddress local = IPAddress.Any;
        var attributes = new NetlinkAttributeReader(data);
        NetlinkReadStatus status;
        while ((status = attributes.Next(out var type, out var value)) == NetlinkReadStatus.Item)
        {
            switch (type)
            {
                case Uapi.IFLA_VXLAN_ID:
                    if (!NetlinkAttribute.TryReadUInt32(value, out vni)) return false;
                    break;
                case Uapi.IFLA_VXLAN_LINK:
                    if (!NetlinkAttribute.TryReadUInt32(value, out parent) || parent > int.MaxValue) return false;
                    break;
                case Uapi.IFLA_VXLAN_LOCAL:
                    if (!NetlinkAttribute.TryReadAddress(value, Uapi.AF_INET, out local)) return false;
                    break;
                case Uapi.IFLA_VXLAN_LOCAL6:
                    if (!NetlinkAttribute.TryReadAddress(value, Uapi.AF_INET6, out local)) return false;
                    break;
                case Uapi.IFLA_VXLAN_LEARNING:
                    if (!NetlinkAttribute.TryReadUInt8(value, out learning)) return false;
                    break;
                case Uapi.IFLA_VXLAN_PORT:
                    if (value.Length != 2) return false;
                    port = BinaryPrimitives.ReadUInt16BigEndian(value);
                    break;
            }
        }
        if (status != NetlinkReadStatus.End) return false;
        vxlan = new VxlanSettings(vni, local, (int)parent, port) { Learning = learning != 0 };
        return true;
    }

    private static void WriteIdentity(NetlinkMessageWriter writer, string name, int mtu, PhysicalAddress? mac)
    {
        writer.AttributeString(Uapi.IFLA_IFNAME, name);
        writer.AttributeUInt32(Uapi.IFLA_MTU, (uint)mtu);
        if (mac is not null) writer.Attribute(Uapi.IFLA_ADDRESS, mac.GetAddressBytes());
    }
}
