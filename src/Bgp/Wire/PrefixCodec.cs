using System.Buffers.Binary;
using CniNet.Model.Net;

namespace CniNet.Bgp.Wire;

/// <summary>NLRI prefixes: a length in bits, then just enough octets to hold it (RFC 4271 §4.3, RFC 4760 §5).</summary>
internal static class PrefixCodec
{
    /// <summary>False when a length exceeds the family's width or a prefix runs past the field. Bits past the length are cleared.</summary>
    public static bool TryRead(ReadOnlySpan<byte> field, bool v6, List<Cidr> into)
    {
        var reader = new SpanReader(field);
        var width = v6 ? 128 : 32;
        Span<byte> bytes = stackalloc byte[16];
        while (reader.Remaining > 0)
        {
            reader.TryByte(out var length);
            if (length > width || !reader.TrySlice((length + 7) / 8, out var octets)) return false;
            bytes.Clear();
            octets.CopyTo(bytes);
            var address = v6 ? BinaryPrimitives.ReadUInt128BigEndian(bytes) : BinaryPrimitives.ReadUInt32BigEndian(bytes);
            into.Add(new Cidr(address, length, v6).Masked());
        }
        return true;
    }

    public static void Write(WireWriter writer, Cidr prefix)
    {
        Span<byte> bytes = stackalloc byte[16];
        var masked = prefix.Masked();
        if (masked.IsV6) BinaryPrimitives.WriteUInt128BigEndian(bytes, masked.Address);
        else BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)masked.Address);
        writer.Byte((byte)prefix.PrefixLength);
        writer.Bytes(bytes[..((prefix.PrefixLength + 7) / 8)]);
    }

    /// <summary>The bytes <see cref="Write"/> uses for <paramref name="prefix"/>, for packing UPDATEs under the size limit.</summary>
    public static int Size(Cidr prefix) => 1 + (prefix.PrefixLength + 7) / 8;
}
