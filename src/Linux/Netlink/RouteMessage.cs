using System.Net;
using System.Net.Sockets;

namespace CniNet.Linux.Netlink;

/// <summary>RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE payloads: struct rtmsg followed by RTA_* attributes.</summary>
internal static class RouteMessage
{
    /// <summary>
    /// A route to add, replace or delete. The table travels in RTA_TABLE (which wins over the byte, and is the only
    /// way to name tables above 255); a default route carries no RTA_DST, as the kernel's own replies do.
    /// </summary>
    public static void Write(NetlinkMessageWriter writer, RouteSpec route)
    {
        var header = writer.Append(Uapi.RTMSG_LEN);
        header[0] = AddressMessage.FamilyOf(route.Family);
        header[1] = (byte)route.PrefixLength;
        header[4] = route.Table < 256 ? (byte)route.Table : Uapi.RT_TABLE_COMPAT;
        header[5] = route.Protocol;
        header[6] = (byte)route.Scope;
        header[7] = (byte)route.Type;
        HostOrder.WriteUInt32(header[8..], route.OnLink ? Uapi.RTNH_F_ONLINK : 0);
        if (route.PrefixLength > 0) writer.AttributeAddress(Uapi.RTA_DST, route.Destination);
        if (route.Gateway is not null) writer.AttributeAddress(Uapi.RTA_GATEWAY, route.Gateway);
        if (route.OutputInterface is { } index) writer.AttributeUInt32(Uapi.RTA_OIF, (uint)index);
        if (route.Metric is { } metric) writer.AttributeUInt32(Uapi.RTA_PRIORITY, metric);
        writer.AttributeUInt32(Uapi.RTA_TABLE, route.Table);
    }

    /// <summary>A dump request for one family; the kernel sends every table and this layer filters.</summary>
    public static void WriteDumpRequest(NetlinkMessageWriter writer, AddressFamily family) =>
        writer.Append(Uapi.RTMSG_LEN)[0] = AddressMessage.FamilyOf(family);

    /// <summary>A route the kernel reported; <see cref="Cloned"/> marks a cache entry (RTM_F_CLONED), not a configured route.</summary>
    public readonly record struct Entry(RouteSpec Route, bool Cloned);

    /// <summary>A route as the kernel reports it. Multipath routes (RTA_MULTIPATH) come back without gateway or interface.</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out Entry entry)
    {
        entry = default;
        if (payload.Length < Uapi.RTMSG_LEN) return false;
        var family = payload[0];
        int prefixLength = payload[1];
        if (prefixLength > AddressMessage.MaxPrefixLength(family)) return false;
        uint table = payload[4];
        var flags = HostOrder.ReadUInt32(payload[8..]);
        IPAddress? destination = null, gateway = null;
        int? outputInterface = null;
        uint? metric = null;
        var attributes = new NetlinkAttributeReader(payload[Uapi.RTMSG_LEN..]);
        NetlinkReadStatus status;
        while ((status = attributes.Next(out var type, out var value)) == NetlinkReadStatus.Item)
        {
            uint number;
            switch (type)
            {
                case Uapi.RTA_DST:
                    if (!NetlinkAttribute.TryReadAddress(value, family, out var d)) return false;
                    destination = d;
                    break;
                case Uapi.RTA_GATEWAY:
                    if (!NetlinkAttribute.TryReadAddress(value, family, out var g)) return false;
                    gateway = g;
                    break;
                case Uapi.RTA_OIF:
                    if (!NetlinkAttribute.TryReadUInt32(value, out number) || number > int.MaxValue) return false;
                    outputInterface = (int)number;
                    break;
                case Uapi.RTA_PRIORITY:
                    if (!NetlinkAttribute.TryReadUInt32(value, out number)) return false;
                    metric = number;
                    break;
                case Uapi.RTA_TABLE:
                    if (!NetlinkAttribute.TryReadUInt32(value, out table)) return false;
                    break;
            }
        }
        if (status == NetlinkReadStatus.Malformed) return false;
        destination ??= family == Uapi.AF_INET ? IPAddress.Any : IPAddress.IPv6Any;
        var route = new RouteSpec(destination, prefixLength)
        {
            Gateway = gateway, OutputInterface = outputInterface, Scope = (RouteScope)payload[6], Protocol = payload[5],
            Table = table, Type = (RouteType)payload[7], OnLink = (flags & Uapi.RTNH_F_ONLINK) != 0, Metric = metric,
        };
        entry = new Entry(route, (flags & Uapi.RTM_F_CLONED) != 0);
        return true;
    }
}
