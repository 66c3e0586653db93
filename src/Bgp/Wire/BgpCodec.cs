using System.Buffers.Binary;
using System.Net;

namespace CniNet.Bgp.Wire;

/// <summary>
/// Reads BGP messages from a byte stream and writes them (RFC 4271 §4). <c>fourOctetAs</c> says whether both ends
/// announced the 4-octet AS capability, which sets the width of AS numbers in UPDATEs (RFC 6793).
/// </summary>
public static class BgpCodec
{
    public const int HeaderLength = 19;
    public const int MaxMessageLength = 4096;
    private const int MarkerLength = 16;

    /// <summary>
    /// Reads the first message of <paramref name="buffer"/>. Never throws on bad input: a malformed message comes
    /// back as an error carrying the NOTIFICATION code, subcode and data RFC 4271 §6 asks for.
    /// </summary>
    public static BgpReadResult Read(ReadOnlySpan<byte> buffer, bool fourOctetAs)
    {
        if (buffer.Length < HeaderLength) return BgpReadResult.NeedMore;
        if (buffer[..MarkerLength].IndexOfAnyExcept((byte)0xFF) >= 0)
            return BgpReadResult.Failed(HeaderLength, BgpError.Of(BgpErrorCode.MessageHeader, BgpErrorCode.HeaderNotSynchronized, "the marker is not all ones"));
        var length = BinaryPrimitives.ReadUInt16BigEndian(buffer[MarkerLength..]);
        var type = buffer[MarkerLength + 2];
        if (length < HeaderLength || length > MaxMessageLength)
            return BgpReadResult.Failed(HeaderLength, BadLength(buffer, $"message length {length} is outside 19..4096"));
        var minimum = type switch
        {
            (byte)BgpMessageType.Open => 29,
            (byte)BgpMessageType.Update => 23,
            (byte)BgpMessageType.Notification => 21,
            (byte)BgpMessageType.Keepalive => HeaderLength,
            (byte)BgpMessageType.RouteRefresh => 23,
            _ => -1,
        };
        if (minimum < 0)
            return BgpReadResult.Failed(HeaderLength, BgpError.Of(BgpErrorCode.MessageHeader, BgpErrorCode.HeaderBadType, [type], $"unknown message type {type}"));
        if (length < minimum || (type is (byte)BgpMessageType.Keepalive or (byte)BgpMessageType.RouteRefresh && length != minimum))
            return BgpReadResult.Failed(HeaderLength, BadLength(buffer, $"length {length} is wrong for a message of type {(BgpMessageType)type}"));
        if (buffer.Length < length) return BgpReadResult.NeedMore;
        var body = buffer[HeaderLength..length];
        var (message, error) = (BgpMessageType)type switch
        {
            BgpMessageType.Open => OpenCodec.Read(body),
            BgpMessageType.Update => UpdateCodec.Read(body, fourOctetAs),
            BgpMessageType.Notification => (new NotificationMessage(body[0], body[1], body[2..].ToArray()), null),
            BgpMessageType.Keepalive => (KeepaliveMessage.Instance, null),
            _ => ReadRouteRefresh(body),
        };
        return error is null ? BgpReadResult.Of(length, message!) : BgpReadResult.Failed(length, error);
    }

    /// <summary>The message as bytes, header included.</summary>
    public static byte[] Encode(BgpMessage message, bool fourOctetAs)
    {
        using var writer = new WireWriter();
        Write(writer, message, fourOctetAs);
        return writer.ToArray();
    }

    internal static void Write(WireWriter writer, BgpMessage message, bool fourOctetAs)
    {
        ArgumentNullException.ThrowIfNull(message);
        var start = writer.Length;
        for (var i = 0; i < MarkerLength; i++) writer.Byte(0xFF);
        var lengthAt = writer.Reserve(2);
        writer.Byte((byte)message.Type);
        switch (message)
        {
            case OpenMessage open:
                OpenCodec.Write(writer, open);
                break;
            case UpdateMessage update:
                UpdateCodec.Write(writer, update, fourOctetAs);
                break;
            case NotificationMessage notification:
                writer.Byte(notification.Code);
                writer.Byte(notification.Subcode);
                writer.Bytes(notification.Data);
                break;
            case RouteRefreshMessage refresh:
                writer.UInt16(refresh.Afi);
                writer.Byte(refresh.Subtype);
                writer.Byte(refresh.Safi);
                break;
        }
        var length = writer.Length - start;
        if (length > MaxMessageLength) throw new ArgumentException($"the {message.Type} message is {length} bytes, more than BGP's {MaxMessageLength}");
        writer.PatchUInt16(lengthAt, (ushort)length);
    }

    /// <summary>Writes an IPv4 or IPv6 address in its network byte order.</summary>
    internal static void WriteAddress(WireWriter writer, IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        writer.Bytes(bytes[..written]);
    }

    private static (BgpMessage?, BgpError?) ReadRouteRefresh(ReadOnlySpan<byte> body) =>
        (new RouteRefreshMessage(BinaryPrimitives.ReadUInt16BigEndian(body), body[3], body[2]), null);

    private static BgpError BadLength(ReadOnlySpan<byte> buffer, string reason) =>
        BgpError.Of(BgpErrorCode.MessageHeader, BgpErrorCode.HeaderBadLength, buffer.Slice(MarkerLength, 2), reason);
}
