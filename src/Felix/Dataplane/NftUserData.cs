using System.Buffers.Binary;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// The user data nft stores beside sets, elements and rules (libnftnl's udata: one byte type, one byte length, the
/// value; integers in host order). The kernel keeps it opaque; nft reads it back to print a set's elements and a
/// rule's comment, so writing what nft writes keeps <c>nft list ruleset</c> the same whoever loaded the table.
/// The numbers are libnftnl's (NFTNL_UDATA_SET_*, NFTNL_UDATA_RULE_COMMENT) and nft's expression and protocol ids.
/// </summary>
internal static class NftUserData
{
    private const byte SetKeyByteOrder = 0;
    private const byte SetDataByteOrder = 1;
    private const byte SetMergeElements = 2;
    private const byte SetKeyTypeof = 3;
    private const byte SetDataInterval = 6;
    private const byte ElementFlags = 1;
    private const byte RuleComment = 0;

    // nft's enum byteorder.
    public const uint HostEndian = 1;
    public const uint BigEndian = 2;

    // The typeof expression of an anonymous set's key: the expression kind, then its own attributes.
    private const uint PayloadExpression = 7;
    private const uint MetaExpression = 9;
    private const uint ConcatExpression = 13;

    /// <summary>A named set declared by a single type: only the key's byte order.</summary>
    public static byte[] NamedSet(uint keyByteOrder) => Concat(U32(SetKeyByteOrder, keyByteOrder));

    /// <summary>A named concatenation (<c>ipv4_addr . inet_proto . inet_service</c>), as nft 1.0 writes it.</summary>
    public static byte[] NamedConcatenation() =>
        Concat(U32(SetKeyByteOrder, 0), Nest(SetKeyTypeof, U32(0, ConcatExpression), Tlv(1, [])));

    /// <summary>A verdict map keyed by interface name.</summary>
    public static byte[] InterfaceVerdictMap() =>
        Concat(U32(SetKeyByteOrder, HostEndian), U32(SetDataByteOrder, 0), U32(SetDataInterval, 0));

    /// <summary>An anonymous set keyed by one header field (<c>th dport</c>, <c>ip saddr</c>); intervals are merged as added.</summary>
    public static byte[] AnonymousPayload(uint protocol, uint field, bool interval) =>
        interval
            ? Concat(U32(SetKeyByteOrder, BigEndian), U32(SetMergeElements, 1), Nest(SetKeyTypeof, PayloadTypeof(protocol, field)))
            : Concat(U32(SetKeyByteOrder, BigEndian), Nest(SetKeyTypeof, PayloadTypeof(protocol, field)));

    /// <summary>An anonymous set of <c>meta l4proto</c> values.</summary>
    public static byte[] AnonymousMeta(uint key) =>
        Concat(U32(SetKeyByteOrder, HostEndian), Nest(SetKeyTypeof, U32(0, MetaExpression), Nest(1, U32(0, key))));

    /// <summary>An anonymous set keyed by the concatenation of two header fields (<c>icmp type . icmp code</c>).</summary>
    public static byte[] AnonymousPayloadPair(uint protocol, uint first, uint second) =>
        Concat(U32(SetKeyByteOrder, 0), Nest(SetKeyTypeof, U32(0, ConcatExpression),
            Nest(1, Nest(0, PayloadTypeof(protocol, first)), Nest(1, PayloadTypeof(protocol, second)))));

    /// <summary>An interval element running to the top of the key's range: it has no end element.</summary>
    public static byte[] OpenInterval() => U32(ElementFlags, 1);

    /// <summary>A rule's comment (NUL-terminated, as nft writes it).</summary>
    public static byte[] Comment(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text + "\0");
        if (bytes.Length > byte.MaxValue) throw new NftUnsupportedException($"comment longer than 254 bytes: {text}");
        return Tlv(RuleComment, bytes);
    }

    private static byte[] PayloadTypeof(uint protocol, uint field) =>
        Concat(U32(0, PayloadExpression), Nest(1, U32(0, protocol), U32(1, field)));

    private static byte[] U32(byte type, uint value)
    {
        var bytes = new byte[4];
        if (BitConverter.IsLittleEndian) BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        else BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return Tlv(type, bytes);
    }

    private static byte[] Nest(byte type, params byte[][] parts) => Tlv(type, Concat(parts));

    private static byte[] Tlv(byte type, byte[] value) => [type, (byte)value.Length, .. value];

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
