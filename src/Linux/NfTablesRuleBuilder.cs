using System.Buffers.Binary;
using System.Collections.Immutable;
using CniNet.Linux.Netlink;

namespace CniNet.Linux;

/// <summary>
/// Writes a rule's expressions in order, as nft's bytecode (<c>nft --debug=netlink</c>) lists them: loads into
/// registers (<see cref="Meta"/>, <see cref="Payload"/>, <see cref="Ct"/>), tests on them (<see cref="Cmp"/>,
/// <see cref="Lookup(string, uint, bool)"/>), rewrites (<see cref="Bitwise"/>, <see cref="MetaSet"/>) and statements.
/// Registers are numbered as the kernel numbers them: 0 the verdict, 1-4 the 16-byte registers, 8-23 the 4-byte ones
/// (a concatenation's fields go to consecutive 4-byte registers). Values are bytes in the order the register holds
/// them: network order for packet fields, host order for marks and conntrack state.
/// </summary>
public sealed class NfTablesRuleBuilder : IDisposable
{
    // linux/netfilter/nf_tables.h: enum nft_meta_keys, nft_ct_keys, nft_payload_bases, nft_cmp_ops.
    public const uint MetaMark = 3;
    public const uint MetaIifName = 6;
    public const uint MetaOifName = 7;
    public const uint MetaNfProto = 15;
    public const uint MetaL4Proto = 16;
    public const uint CtState = 0;
    public const uint NetworkHeader = 1;
    public const uint TransportHeader = 2;
    public const uint CmpEq = 0;
    public const uint CmpNeq = 1;
    public const uint CmpLte = 3;
    public const uint CmpGte = 5;
    public const uint RangeNeq = 1;

    /// <summary>The name nft gives an anonymous set; the kernel fills in the number.</summary>
    internal const string AnonymousSetName = "__set%d";

    private readonly NetlinkMessageWriter _writer = new(1024);
    private readonly ImmutableArray<int>.Builder _setIdOffsets = ImmutableArray.CreateBuilder<int>();
    private readonly ImmutableArray<NfTablesAnonymousSet>.Builder _sets = ImmutableArray.CreateBuilder<NfTablesAnonymousSet>();
    private byte[]? _userData;

    public void Meta(uint key, uint destination)
    {
        var data = Begin("meta");
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_META_KEY, key);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_META_DREG, destination);
        End(data);
    }

    public void MetaSet(uint key, uint source)
    {
        var data = Begin("meta");
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_META_KEY, key);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_META_SREG, source);
        End(data);
    }

    public void Ct(uint key, uint destination)
    {
        var data = Begin("ct");
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_CT_KEY, key);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_CT_DREG, destination);
        End(data);
    }

    public void Payload(uint header, int offset, int length, uint destination)
    {
        var data = Begin("payload");
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_PAYLOAD_DREG, destination);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_PAYLOAD_BASE, header);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_PAYLOAD_OFFSET, (uint)offset);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_PAYLOAD_LEN, (uint)length);
        End(data);
    }

    public void Cmp(uint op, uint source, ReadOnlySpan<byte> value)
    {
        var data = Begin("cmp");
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_CMP_SREG, source);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_CMP_OP, op);
        Value(Uapi.NFTA_CMP_DATA, value);
        End(data);
    }

    /// <summary>Matches when the register is (NFT_RANGE_EQ 0) or is not (<see cref="RangeNeq"/>) within [from, to].</summary>
    public void Range(uint op, uint source, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        var data = Begin("range");
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_RANGE_SREG, source);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_RANGE_OP, op);
        Value(Uapi.NFTA_RANGE_FROM_DATA, from);
        Value(Uapi.NFTA_RANGE_TO_DATA, to);
        End(data);
    }

    /// <summary>register = (register &amp; mask) ^ xor, over the mask's length.</summary>
    public void Bitwise(uint register, ReadOnlySpan<byte> mask, ReadOnlySpan<byte> xor)
    {
        if (mask.Length != xor.Length) throw new ArgumentException("bitwise mask and xor differ in length");
        var data = Begin("bitwise");
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_BITWISE_SREG, register);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_BITWISE_DREG, register);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_BITWISE_OP, Uapi.NFT_BITWISE_BOOL);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_BITWISE_LEN, (uint)mask.Length);
        Value(Uapi.NFTA_BITWISE_MASK, mask);
        Value(Uapi.NFTA_BITWISE_XOR, xor);
        End(data);
    }

    /// <summary>Matches when the register's key is (or, <paramref name="inverted"/>, is not) in the named set.</summary>
    public void Lookup(string set, uint source, bool inverted)
    {
        var data = Begin("lookup");
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_LOOKUP_SREG, source);
        _writer.AttributeString(Uapi.NFTA_LOOKUP_SET, set);
        if (inverted) _writer.AttributeBigEndianUInt32(Uapi.NFTA_LOOKUP_FLAGS, Uapi.NFT_LOOKUP_F_INV);
        End(data);
    }

    /// <summary>As <see cref="Lookup(string, uint, bool)"/>, in a set of this rule's own, created with it.</summary>
    public void Lookup(NfTablesAnonymousSet set, uint source, bool inverted)
    {
        var data = Begin("lookup");
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_LOOKUP_SREG, source);
        _writer.AttributeString(Uapi.NFTA_LOOKUP_SET, AnonymousSetName);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_LOOKUP_SET_ID, 0);
        _setIdOffsets.Add(_writer.Length - 4);
        _sets.Add(set);
        if (inverted) _writer.AttributeBigEndianUInt32(Uapi.NFTA_LOOKUP_FLAGS, Uapi.NFT_LOOKUP_F_INV);
        End(data);
    }

    /// <summary>Looks the register's key up in a verdict map and applies the verdict found (<c>vmap @name</c>).</summary>
    public void VerdictMap(string map, uint source)
    {
        var data = Begin("lookup");
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_LOOKUP_SREG, source);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_LOOKUP_DREG, 0);
        _writer.AttributeString(Uapi.NFTA_LOOKUP_SET, map);
        End(data);
    }

    public void Counter() => End(Begin("counter"));

    public void Notrack()
    {
        var element = _writer.BeginNested(Uapi.NFTA_LIST_ELEM, flagged: true);
        _writer.AttributeString(Uapi.NFTA_EXPR_NAME, "notrack");
        _writer.EndNested(element);
    }

    public void Log(string prefix)
    {
        var data = Begin("log");
        _writer.AttributeString(Uapi.NFTA_LOG_PREFIX, prefix);
        End(data);
    }

    public void Immediate(NfTablesVerdict verdict)
    {
        var data = Begin("immediate");
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_IMMEDIATE_DREG, 0);
        var immediate = _writer.BeginNested(Uapi.NFTA_IMMEDIATE_DATA, flagged: true);
        NfTablesBatch.WriteVerdict(_writer, verdict);
        _writer.EndNested(immediate);
        End(data);
    }

    /// <summary>The rule's user data (NFTA_RULE_USERDATA), opaque to the kernel: nft keeps the comment there.</summary>
    public void UserData(ReadOnlySpan<byte> userData) => _userData = userData.ToArray();

    public NfTablesRule Build() =>
        new(_writer.Written.ToArray(), _setIdOffsets.ToImmutable(), _sets.ToImmutable(), _userData);

    public void Dispose() => _writer.Dispose();

    /// <summary>Opens NFTA_LIST_ELEM { NFTA_EXPR_NAME, NFTA_EXPR_DATA { ... } }; returns both nests for <see cref="End"/>.</summary>
    private (int Element, int Data) Begin(string name)
    {
        var element = _writer.BeginNested(Uapi.NFTA_LIST_ELEM, flagged: true);
        _writer.AttributeString(Uapi.NFTA_EXPR_NAME, name);
        return (element, _writer.BeginNested(Uapi.NFTA_EXPR_DATA, flagged: true));
    }

    private void End((int Element, int Data) nests)
    {
        _writer.EndNested(nests.Data);
        _writer.EndNested(nests.Element);
    }

    private void Value(ushort type, ReadOnlySpan<byte> value)
    {
        var nest = _writer.BeginNested(type, flagged: true);
        _writer.Attribute(Uapi.NFTA_DATA_VALUE, value);
        _writer.EndNested(nest);
    }

    /// <summary>A 4-byte register value in host order (marks, conntrack state bits).</summary>
    public static byte[] HostUInt32(uint value)
    {
        var bytes = new byte[4];
        if (BitConverter.IsLittleEndian) BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        else BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }
}
