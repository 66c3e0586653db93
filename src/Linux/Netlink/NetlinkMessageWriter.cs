using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace CniNet.Linux.Netlink;

/// <summary>
/// Builds netlink messages into one growable buffer: a header, a fixed per-family struct, then attributes, each
/// padded to 4 bytes (NLMSG_ALIGN / NLA_ALIGN). Lengths are patched in when a message or nest is closed. Up to
/// <see cref="MappedThreshold"/> the buffer is a pooled array (warm, reused by the next small request); beyond it,
/// memory mapped for huge pages (<see cref="SafeMappedMemory"/>), grown in place without a copy.
/// </summary>
internal sealed class NetlinkMessageWriter : IDisposable
{
    /// <summary>The size from which the buffer is mapped memory: one huge page.</summary>
    public const int MappedThreshold = HugePages.Size;

    private byte[] _array;
    private SafeMappedMemory? _mapped;
    private int _length;
    private int _messageStart = -1;

    public NetlinkMessageWriter(int initialCapacity = 512)
    {
        if (initialCapacity >= MappedThreshold)
        {
            _array = [];
            _mapped = SafeMappedMemory.Map(initialCapacity);
        }
        else
        {
            _array = ArrayPool<byte>.Shared.Rent(initialCapacity);
        }
    }

    private Span<byte> Buffer => _mapped is { } mapped ? mapped.Span : _array;

    /// <summary>The messages written so far, back to back.</summary>
    public ReadOnlySpan<byte> Written => Buffer[.._length];

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
        HostOrder.WriteUInt32(Buffer[_messageStart..], (uint)(_length - _messageStart));
        _messageStart = -1;
    }

    /// <summary>Room for a fixed struct (ifinfomsg, rtmsg, ...), zeroed, with the padding after it accounted for.</summary>
    public Span<byte> Append(int length)
    {
        var span = Reserve(length);
        span.Clear();
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
        var span = Reserve(bytes.Length);
        bytes.CopyTo(span);
        span[bytes.Length..].Clear();
        return start;
    }

    /// <summary>The bytes from <paramref name="start"/> on, to patch something written earlier in place.</summary>
    public Span<byte> Since(int start) => Buffer[start.._length];

    /// <summary>Bytes written so far (the offset the next attribute will start at).</summary>
    public int Length => _length;

    /// <summary>A NUL-terminated UTF-8 string, as NLA_STRING and NLA_NUL_STRING policies both accept.</summary>
    public void AttributeString(ushort type, string value) => AttributeString(type, value.AsSpan());

    /// <summary>As <see cref="AttributeString(ushort, string)"/>, from text that need not be a string of its own.</summary>
    public void AttributeString(ushort type, ReadOnlySpan<char> value)
    {
        var span = AttributeValue(type, Encoding.UTF8.GetByteCount(value) + 1);
        span[Encoding.UTF8.GetBytes(value, span)..].Clear();
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
        HostOrder.WriteUInt16(Buffer[start..], (ushort)length);
    }

    public void Dispose()
    {
        // Forgotten, not only unmapped: a span over it after this would reach memory that is no longer ours.
        _mapped?.Dispose();
        _mapped = null;
        var array = _array;
        _array = [];
        if (array.Length > 0) ArrayPool<byte>.Shared.Return(array);
    }

    private Span<byte> AttributeValue(ushort type, int valueLength)
    {
        var length = Uapi.NLA_HDRLEN + valueLength;
        if (length > ushort.MaxValue) throw new ArgumentException($"netlink attribute {type} of {valueLength} bytes exceeds the 16-bit length");
        var span = Reserve(length);
        HostOrder.WriteUInt16(span, (ushort)length);
        HostOrder.WriteUInt16(span[2..], type);
        // The value is written whole by the caller: only the padding after it needs zeroing.
        span[length..].Clear();
        return span[Uapi.NLA_HDRLEN..length];
    }

    /// <summary>The next <paramref name="length"/> bytes and their padding, neither zeroed.</summary>
    private Span<byte> Reserve(int length)
    {
        var padded = Align(length);
        var capacity = _mapped?.Length ?? _array.Length;
        if (_length + padded > capacity) Grow(_length + padded, capacity);
        var span = Buffer.Slice(_length, padded);
        _length += padded;
        return span;
    }

    private void Grow(int needed, int capacity)
    {
        var size = (int)Math.Min(Array.MaxLength, Math.Max(needed, 2L * capacity));
        if (size < needed) throw new InvalidOperationException($"netlink messages of {needed} bytes exceed the largest buffer");
        if (_mapped is { } mapped)
        {
            mapped.Resize(size);
        }
        else if (size >= MappedThreshold)
        {
            _mapped = SafeMappedMemory.Map(size);
            _array.AsSpan(0, _length).CopyTo(_mapped.Span);
            if (_array.Length > 0) ArrayPool<byte>.Shared.Return(_array);
            _array = [];
        }
        else
        {
            var bigger = ArrayPool<byte>.Shared.Rent(size);
            _array.AsSpan(0, _length).CopyTo(bigger);
            if (_array.Length > 0) ArrayPool<byte>.Shared.Return(_array);
            _array = bigger;
        }
    }
}
