using System.Buffers;
using System.Buffers.Binary;

namespace CniNet.Bgp.Wire;

/// <summary>
/// A growable big-endian writer over a pooled array; lengths written before their content are reserved and patched
/// afterwards. Dispose returns the array to the pool.
/// </summary>
internal sealed class WireWriter : IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(256);

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public void Byte(byte value) => Take(1)[0] = value;

    public void UInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), value);

    public void UInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);

    public void Bytes(ReadOnlySpan<byte> value) => value.CopyTo(Take(value.Length));

    /// <summary>Reserves <paramref name="size"/> bytes and returns their offset for <see cref="PatchByte"/> or <see cref="PatchUInt16"/>.</summary>
    public int Reserve(int size)
    {
        var offset = Length;
        Take(size).Clear();
        return offset;
    }

    public void PatchByte(int offset, byte value) => _buffer[offset] = value;

    public void PatchUInt16(int offset, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(offset, 2), value);

    /// <summary>Moves the bytes written since <paramref name="from"/> forward by <paramref name="gap"/> bytes, opening a gap at <paramref name="from"/>.</summary>
    public void Insert(int from, int gap)
    {
        var moved = Length - from;
        Take(gap);
        _buffer.AsSpan(from, moved).CopyTo(_buffer.AsSpan(from + gap));
    }

    public byte[] ToArray() => Written.ToArray();

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private Span<byte> Take(int size)
    {
        if (Length + size > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, Length + size));
            _buffer.AsSpan(0, Length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
        var span = _buffer.AsSpan(Length, size);
        Length += size;
        return span;
    }
}
