using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CniNet.Linux;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// The set and map key types the renderers declare and the anonymous sets their rules hold, each with nft's datatype
/// id (a concatenation's ids packed 6 bits apart), its key length (a concatenation's fields each padded to 4 bytes),
/// and how an element's text becomes key bytes. Interval sets are written as nft's segtree writes them: the ranges
/// sorted, each a start element and an INTERVAL_END element one past its end (none when it runs to the top of the
/// key's range), after an INTERVAL_END at zero when the first range starts above it.
/// </summary>
internal sealed record NftSetType(string Text, NftSetType.KeyKind Kind, NfTablesSetSpec Spec)
{
    // nft's datatype ids (enum datatypes).
    private const uint Ipv4Addr = 7;
    private const uint Ipv6Addr = 8;
    private const uint InetProto = 12;
    private const uint InetService = 13;
    private const uint IcmpType = 14;
    private const uint IcmpCode = 32;
    private const uint Icmpv6Type = 29;
    private const uint Icmpv6Code = 33;
    private const uint IfName = 41;

    public enum KeyKind
    {
        Ipv4,
        Ipv6,
        Ipv4PortTriple,
        Ipv6PortTriple,
        InterfaceName,
        Port,
        Protocol,
        IcmpTypeCode,
    }

    public bool Interval => (Spec.Flags & NfTablesSetSpec.Interval) != 0;

    public bool IsMap => Spec.VerdictData;

    /// <summary>The type of a named set or map from its declaration body (<c>type ipv4_addr; flags interval;</c>).</summary>
    public static NftSetType Declared(string declaration)
    {
        var flags = declaration.Contains("flags interval;", StringComparison.Ordinal) ? NfTablesSetSpec.Interval : 0;
        var body = declaration.Replace("flags interval;", "", StringComparison.Ordinal).Trim();
        return body switch
        {
            "type ipv4_addr;" => new(body, KeyKind.Ipv4, new(flags, Ipv4Addr, 4, NftUserData.NamedSet(NftUserData.BigEndian))),
            "type ipv6_addr;" => new(body, KeyKind.Ipv6, new(flags, Ipv6Addr, 16, NftUserData.NamedSet(NftUserData.BigEndian))),
            "type ipv4_addr . inet_proto . inet_service;" when flags == 0 =>
                new(body, KeyKind.Ipv4PortTriple, new(0, Concatenation(Ipv4Addr, InetProto, InetService), 12, NftUserData.NamedConcatenation())),
            "type ipv6_addr . inet_proto . inet_service;" when flags == 0 =>
                new(body, KeyKind.Ipv6PortTriple, new(0, Concatenation(Ipv6Addr, InetProto, InetService), 24, NftUserData.NamedConcatenation())),
            "type ifname;" when flags == 0 =>
                new(body, KeyKind.InterfaceName, new(0, IfName, 16, NftUserData.NamedSet(NftUserData.HostEndian))),
            "type ifname : verdict;" when flags == 0 =>
                new(body, KeyKind.InterfaceName, new(NfTablesSetSpec.Map, IfName, 16, NftUserData.InterfaceVerdictMap()) { VerdictData = true }),
            _ => throw new NftUnsupportedException($"set declaration '{declaration}' is not one the dataplane writes"),
        };
    }

    /// <summary>
    /// The anonymous set of one address field (<c>ip saddr { ... }</c>): an interval set when an element is a prefix,
    /// a plain one (as nft makes it) when every element is a single address.
    /// </summary>
    public static NftSetType AnonymousAddresses(bool v6, uint protocol, uint field, bool interval) =>
        new("", v6 ? KeyKind.Ipv6 : KeyKind.Ipv4, new(AnonymousFlags | (interval ? NfTablesSetSpec.Interval : 0), v6 ? Ipv6Addr : Ipv4Addr, v6 ? 16 : 4,
            NftUserData.AnonymousPayload(protocol, field, interval)));

    /// <summary>The anonymous set of a transport port (<c>th dport { 80, 90-99 }</c>), an interval set when an element is a range.</summary>
    public static NftSetType AnonymousPorts(uint field, bool interval) =>
        new("", KeyKind.Port, new(AnonymousFlags | (interval ? NfTablesSetSpec.Interval : 0), InetService, 2,
            NftUserData.AnonymousPayload(TransportHeaderProtocol, field, interval)));

    /// <summary>Whether nft makes an anonymous set of these elements an interval set: some element is a prefix or a range.</summary>
    public static bool HasIntervals(List<List<string>> elements) =>
        elements.Any(e => e.Count == 1 && (e[0].Contains('/', StringComparison.Ordinal) || e[0].Contains('-', StringComparison.Ordinal)));

    /// <summary>The anonymous set of <c>meta l4proto { 6, 17 }</c>.</summary>
    public static NftSetType AnonymousProtocols(uint metaKey) =>
        new("", KeyKind.Protocol, new(AnonymousFlags, InetProto, 1, NftUserData.AnonymousMeta(metaKey)));

    /// <summary>The anonymous set of <c>icmp type . icmp code { 8 . 0 }</c> (nft's protocol ids: icmp 4, icmpv6 14).</summary>
    public static NftSetType AnonymousIcmp(bool v6) =>
        new("", KeyKind.IcmpTypeCode, new(AnonymousFlags,
            v6 ? Concatenation(Icmpv6Type, Icmpv6Code) : Concatenation(IcmpType, IcmpCode), 8,
            NftUserData.AnonymousPayloadPair(v6 ? 14u : 4u, 1, 2)));

    /// <summary>nft's protocol id of <c>th</c>, the transport header whatever the protocol.</summary>
    public const uint TransportHeaderProtocol = 11;

    private const uint AnonymousFlags = NfTablesSetSpec.Anonymous | NfTablesSetSpec.Constant;

    /// <summary>
    /// Elements from their text: for interval sets the segtree's start and end elements (anonymous sets, as nft's
    /// auto-merge, join ranges that touch; <paramref name="leadingGap"/> adds the end element at zero an add writes);
    /// for maps each <c>"key" : verdict</c> (or the bare key, to delete).
    /// </summary>
    public ImmutableArray<NfTablesElement> Elements(List<List<string>> texts, bool leadingGap, string line)
    {
        if (Interval)
        {
            var ranges = texts.Select(t => Range(Single(t, line), line)).ToList();
            return Segments(ranges, merge: (Spec.Flags & NfTablesSetSpec.Anonymous) != 0, leadingGap);
        }
        var elements = ImmutableArray.CreateBuilder<NfTablesElement>(texts.Count);
        foreach (var words in texts)
        {
            if (IsMap)
            {
                var key = new NfTablesElement(InterfaceKey(words[0], line));
                if (words.Count == 1)
                {
                    elements.Add(key);
                    continue;
                }
                if (words.Count != 4 || words[1] != ":") throw new NftUnsupportedException($"map element '{string.Join(' ', words)}' in: {line}");
                elements.Add(key with { Verdict = NftRuleCompiler.ChainVerdict(words[2], words[3], line) });
                continue;
            }
            elements.Add(new NfTablesElement(Key(words, line)));
        }
        return elements.MoveToImmutable();
    }

    /// <summary>
    /// As <see cref="Elements"/>, for a named interval set of addresses (the selectors' sets: a full program writes
    /// 100,000 of their elements) straight from the braced list's text, without a string and a list per element; null
    /// when the list is anything but addresses and prefixes separated by commas, or one of them is not valid: the
    /// general path then reads it and names what is wrong.
    /// </summary>
    public ImmutableArray<NfTablesElement>? AddressIntervals(ReadOnlySpan<char> braced, bool leadingGap)
    {
        if (!Interval || Kind is not (KeyKind.Ipv4 or KeyKind.Ipv6) || (Spec.Flags & NfTablesSetSpec.Anonymous) != 0) return null;
        braced = braced.Trim();
        if (braced.Length < 2 || braced[0] != '{' || braced[^1] != '}') return null;
        var list = braced[1..^1];
        var ranges = new List<(byte[] First, byte[] Last)>(list.Count(',') + 1);
        foreach (var part in list.Split(','))
        {
            var text = list[part].Trim();
            if (text.IsEmpty) continue;
            foreach (var c in text)
            {
                if (char.IsWhiteSpace(c) || c is '{' or '}' or ';' or '"') return null;
            }
            if (TryPrefix(text, Kind == KeyKind.Ipv6, out var network, out var prefix) is not null) return null;
            ranges.Add((network, Broadcast(network, prefix)));
        }
        return Segments(ranges, merge: false, leadingGap);
    }

    private static string Single(List<string> words, string line) =>
        words.Count == 1 ? words[0] : throw new NftUnsupportedException($"element '{string.Join(' ', words)}' in: {line}");

    private byte[] Key(List<string> words, string line)
    {
        switch (Kind)
        {
            case KeyKind.Ipv4 or KeyKind.Ipv6:
                return Address(Single(words, line), Kind == KeyKind.Ipv6, line);
            case KeyKind.Protocol:
                return [NftRuleCompiler.ProtocolNumber(Single(words, line), line)];
            case KeyKind.InterfaceName:
                return InterfaceKey(Single(words, line), line);
            case KeyKind.Ipv4PortTriple or KeyKind.Ipv6PortTriple when words.Count == 5 && words[1] == "." && words[3] == ".":
            {
                var address = Address(words[0], Kind == KeyKind.Ipv6PortTriple, line);
                var key = new byte[address.Length + 8];
                address.CopyTo(key, 0);
                key[address.Length] = NftRuleCompiler.ProtocolNumber(words[2], line);
                BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(address.Length + 4), NftRuleCompiler.PortNumber(words[4], line));
                return key;
            }
            case KeyKind.IcmpTypeCode when words.Count == 3 && words[1] == ".":
            {
                var key = new byte[8];
                key[0] = NftRuleCompiler.Byte(words[0], line);
                key[4] = NftRuleCompiler.Byte(words[2], line);
                return key;
            }
            case KeyKind.Port:
                return BigEndian16(NftRuleCompiler.PortNumber(Single(words, line), line));
            default:
                throw new NftUnsupportedException($"element '{string.Join(' ', words)}' for a set of {Kind} in: {line}");
        }
    }

    /// <summary>An interface name as nft keys it: the name's bytes zero-padded to IFNAMSIZ.</summary>
    public static byte[] InterfaceKey(string quoted, string line)
    {
        if (quoted.Length < 3 || quoted[0] != '"' || quoted[^1] != '"' || quoted.Length - 2 > 15 || quoted.Contains('*'))
            throw new NftUnsupportedException($"interface name {quoted} in: {line}");
        var key = new byte[16];
        System.Text.Encoding.ASCII.GetBytes(quoted.AsSpan(1, quoted.Length - 2), key);
        return key;
    }

    /// <summary>A first and last key of an interval element: an address, a prefix, a port or a port range.</summary>
    private (byte[] First, byte[] Last) Range(string text, string line)
    {
        if (Kind == KeyKind.Port)
        {
            var dash = text.IndexOf('-', StringComparison.Ordinal);
            var first = NftRuleCompiler.PortNumber(dash < 0 ? text : text[..dash], line);
            var last = dash < 0 ? first : NftRuleCompiler.PortNumber(text[(dash + 1)..], line);
            if (last < first) throw new NftUnsupportedException($"port range {text} in: {line}");
            return (BigEndian16(first), BigEndian16(last));
        }
        var (network, prefix) = Prefix(text, Kind == KeyKind.Ipv6, line);
        return (network, Broadcast(network, prefix));
    }

    /// <summary>The last address of the prefix: the network with every host bit set.</summary>
    private static byte[] Broadcast(byte[] network, int prefix)
    {
        var broadcast = (byte[])network.Clone();
        for (var bit = prefix; bit < broadcast.Length * 8; bit++) broadcast[bit / 8] |= (byte)(0x80 >> (bit % 8));
        return broadcast;
    }

    private static byte[] BigEndian16(ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>An address or CIDR of the family: the network's bytes (host bits must be clear, as nft requires) and the prefix length.</summary>
    public static (byte[] Network, int Prefix) Prefix(string text, bool v6, string line) =>
        TryPrefix(text, v6, out var network, out var prefix) switch
        {
            null => (network, prefix),
            Problem.Address => throw AddressRefused(text.Split('/')[0], v6, line),
            Problem.HostBits => throw new NftUnsupportedException($"prefix {text} has host bits set in: {line}"),
            _ => throw new NftUnsupportedException($"prefix {text} in: {line}"),
        };

    public static byte[] Address(string text, bool v6, string line) =>
        TryAddress(text, v6) ?? throw AddressRefused(text, v6, line);

    /// <summary>What is wrong with an address or CIDR of the family (null: nothing), with the network's bytes and prefix length.</summary>
    private static Problem? TryPrefix(ReadOnlySpan<char> text, bool v6, out byte[] network, out int prefix)
    {
        var slash = text.IndexOf('/');
        prefix = 0;
        network = TryAddress(slash < 0 ? text : text[..slash], v6)!;
        if (network is null) return Problem.Address;
        prefix = network.Length * 8;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > network.Length * 8))
            return Problem.Prefix;
        for (var bit = prefix; bit < network.Length * 8; bit++)
        {
            if ((network[bit / 8] & (0x80 >> (bit % 8))) != 0) return Problem.HostBits;
        }
        return null;
    }

    private static byte[]? TryAddress(ReadOnlySpan<char> text, bool v6) =>
        IPAddress.TryParse(text, out var address) && !text.Contains('%')
        && address.AddressFamily == (v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork)
            ? address.GetAddressBytes()
            : null;

    private static NftUnsupportedException AddressRefused(string text, bool v6, string line) =>
        new($"{(v6 ? "IPv6" : "IPv4")} address '{text}' in: {line}");

    private enum Problem
    {
        Address,
        Prefix,
        HostBits,
    }

    private static ImmutableArray<NfTablesElement> Segments(List<(byte[] First, byte[] Last)> ranges, bool merge, bool leadingGap)
    {
        ranges.Sort((a, b) => a.First.AsSpan().SequenceCompareTo(b.First));
        if (merge)
        {
            var merged = new List<(byte[] First, byte[] Last)>(ranges.Count);
            foreach (var range in ranges)
            {
                if (merged.Count > 0 && Next(merged[^1].Last) is var after && (after is null || range.First.AsSpan().SequenceCompareTo(after) <= 0))
                {
                    if (range.Last.AsSpan().SequenceCompareTo(merged[^1].Last) > 0) merged[^1] = (merged[^1].First, range.Last);
                }
                else
                {
                    merged.Add(range);
                }
            }
            ranges = merged;
        }
        var elements = ImmutableArray.CreateBuilder<NfTablesElement>(ranges.Count * 2 + 1);
        if (leadingGap && ranges.Count > 0 && ranges[0].First.Any(b => b != 0))
            elements.Add(new NfTablesElement(new byte[ranges[0].First.Length]) { IntervalEnd = true });
        foreach (var (first, last) in ranges)
        {
            if (Next(last) is { } end)
            {
                elements.Add(new NfTablesElement(first));
                elements.Add(new NfTablesElement(end) { IntervalEnd = true });
            }
            else
            {
                elements.Add(new NfTablesElement(first) { UserData = NftUserData.OpenInterval() });
            }
        }
        return elements.ToImmutable();
    }

    /// <summary>The key one past <paramref name="key"/> (big-endian increment), or null past the top of the range.</summary>
    private static byte[]? Next(byte[] key)
    {
        var next = (byte[])key.Clone();
        for (var i = next.Length - 1; i >= 0; i--)
        {
            if (++next[i] != 0) return next;
        }
        return null;
    }

    private static uint Concatenation(params uint[] types) => types.Aggregate(0u, (packed, type) => (packed << 6) | type);
}
