using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace CniNet.Linux.Netlink;

/// <summary>
/// Builds netlink messages into one pooled, growable buffer: a header, a fixed per-family struct, then attributes,
/// each padded to 4 bytes (NLMSG_ALIGN / NLA_ALIGN). Lengths are patched in when a message or nest is closed.
/// </summary>
internal sealed class NetlinkMessageWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;
    private int _messageStart = -1;

    public NetlinkMessageWriter(int initialCapacity = 512) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    /// <summary>The messages written so far, back to back.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public static int Align(int length) => (length + Uapi.NLMSG_ALIGNTO - 1) & ~(Uapi.NLMSG_ALIGNTO - 1);

    public void Clear()
    {
        _length = 0;
        _messageStart = -1;
    }

    public void BeginMessage(ushort type, ushort flags, uint sequence)
    {
        if (_messageStart >= 0) throw new InvalidOperationException("the previous netlink message is still open");
        _messageStart = _length;
        var header = Append(Uapi.NLMSG_HDRLEN);
        HostOrder.WriteUInt16(header[4..], type);
        HostOrder.WriteUInt16(header[6..], flags);
        HostOrder.WriteUInt32(header[8..], sequence);
    }

    public void EndMessage()
    {
        if (_messageStart < 0) throw new InvalidOperationException("no netlink message is open");
        HostOrder.WriteUInt32(_buffer.AsSpan(_messageStart), (uint)(_length - _messageStart));
        _messageStart = -1;
    }

    /// <summary>Room for a fixed struct (ifinfomsg, rtmsg, ...), zeroed, with the padding after it accounted for.</summary>
    public Span<byte> Append(int length)
    {
        var padded = Align(length);
        if (_length + padded > _buffer.Length) Grow(_length + padded);
        var span = _buffer.AsSpan(_length, padded);
        span.Clear();
        _length += padded;
        return span[..length];
    }

    public void Attribute(ushort type, ReadOnlySpan<byte> value) => value.CopyTo(AttributeValue(type, value.Length));

    public void AttributeUInt8(ushort type, byte value) => AttributeValue(type, 1)[0] = value;

    public void AttributeUInt32(ushort type, uint value) => HostOrder.WriteUInt32(AttributeValue(type, 4), value);

    /// <summary>A __be32, as every nf_tables integer attribute is.</summary>
    public void AttributeBigEndianUInt32(ushort type, uint value) => BinaryPrimitives.WriteUInt32BigEndian(AttributeValue(type, 4), value);

    /// <summary>Bytes written elsewhere (a cached run of attributes), padded to 4 bytes; returns where they start.</summary>
    public int AppendBytes(ReadOnlySpan<byte> bytes)
    {
        var start = _length;
        bytes.CopyTo(Append(bytes.Length));
        return start;
    }

    /// <summary>The bytes from <paramref name="start"/> on, to patch something written earlier in place.</summary>
    public Span<byte> Since(int start) => _buffer.AsSpan(start, _length - start);

    /// <summary>Bytes written so far (the offset the next attribute will start at).</summary>
    public int Length => _length;

    /// <summary>A NUL-terminated UTF-8 string, as NLA_STRING and NLA_NUL_STRING policies both accept.</summary>
    public void AttributeString(ushort type, string value)
    {
        var span = AttributeValue(type, Encoding.UTF8.GetByteCount(value) + 1);
        Encoding.UTF8.GetBytes(value, span);
    }

    /// <summary>An IPv4 or IPv6 address in network byte order.</summary>
    public void AttributeAddress(ushort type, IPAddress address)
    {
        var length = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 4 : 16;
        address.TryWriteBytes(AttributeValue(type, length), out _);
    }

    /// <summary>Opens a nested attribute; returns the offset <see cref="EndNested"/> needs.</summary>
    /// <remarks>
    /// NLA_F_NESTED is left clear, as iproute2 does: rtnetlink parses its nests (IFLA_LINKINFO, IFLA_INFO_DATA)
    /// leniently, and VETH_INFO_PEER is not a plain nest at all but an ifinfomsg followed by attributes.
    /// </remarks>
    public int BeginNested(ushort type) => BeginNested(type, flagged: false);

    /// <summary>
    /// Opens a nested attribute, with NLA_F_NESTED when <paramref name="flagged"/>: nf_tables' parsers accept nests either
    /// way, and nft (libnftnl) flags them, so its messages and ours read the same in a trace.
    /// </summary>
    public int BeginNested(ushort type, bool flagged)
    {
        var start = _length;
        HostOrder.WriteUInt16(Append(Uapi.NLA_HDRLEN)[2..], flagged ? (ushort)(type | Uapi.NLA_F_NESTED) : type);
        return start;
    }

    public void EndNested(int start)
    {
        var length = _length - start;
        if (length > ushort.MaxValue) throw new InvalidOperationException($"nested netlink attribute of {length} bytes exceeds the 16-bit length");
        HostOrder.WriteUInt16(_buffer.AsSpan(start), (ushort)length);
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }

    private Span<byte> AttributeValue(ushort type, int valueLength)
    {
        var length = Uapi.NLA_HDRLEN + valueLength;
        if (length > ushort.MaxValue) throw new ArgumentException($"netlink attribute {type} of {valueLength} bytes exceeds the 16-bit length");
        var span = Append(length);
        HostOrder.WriteUInt16(span, (ushort)length);
        HostOrder.WriteUInt16(span[2..], type);
        return span[Uapi.NLA_HDRLEN..];
    }

    private void Grow(int needed)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
