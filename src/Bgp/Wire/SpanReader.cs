using System.Buffers.Binary;

namespace CniNet.Bgp.Wire;

/// <summary>Reads big-endian fields from a span, each read checked against what is left (false instead of an index exception).</summary>
internal ref struct SpanReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;

    public int Position { get; private set; }

    public readonly int Remaining => _data.Length - Position;

    public bool TryByte(out byte value)
    {
        value = 0;
        if (Remaining < 1) return false;
        value = _data[Position++];
        return true;
    }

    public bool TryUInt16(out ushort value)
    {
        value = 0;
        if (Remaining < 2) return false;
        value = BinaryPrimitives.ReadUInt16BigEndian(_data[Position..]);
        Position += 2;
        return true;
    }

    public bool TryUInt32(out uint value)
    {
        value = 0;
        if (Remaining < 4) return false;
        value = BinaryPrimitives.ReadUInt32BigEndian(_data[Position..]);
        Position += 4;
        return true;
    }

    public bool TrySlice(int length, out ReadOnlySpan<byte> slice)
    {
        slice = default;
        if (length < 0 || Remaining < length) return false;
        slice = _data.Slice(Position, length);
        Position += length;
        return true;
    }

    public ReadOnlySpan<byte> Rest()
    {
        var rest = _data[Position..];
        Position = _data.Length;
        return rest;
    }
}
