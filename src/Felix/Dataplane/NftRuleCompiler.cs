using System.Globalization;
using CniNet.Linux;
using static CniNet.Linux.NfTablesRuleBuilder;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// One rule's text, in the grammar the renderers write (<see cref="RuleRenderer"/>, <see cref="RulesetRenderer"/>,
/// the VXLAN filter), compiled to the expressions nft would send for it in an <c>inet</c> table, including what nft
/// adds on its own: <c>meta nfproto</c> before the first <c>ip</c>/<c>ip6</c> match where the rule did not say it,
/// <c>meta l4proto</c> before <c>udp</c>/<c>tcp</c> ports, payload loads cut to the bytes a prefix covers, and adjacent
/// transport-header equalities (<c>icmp type 8 icmp code 0</c>, <c>th sport 1 th dport 2</c>) merged into one load.
/// Anything else is refused (<see cref="NftUnsupportedException"/>) with the text.
/// </summary>
internal static class NftRuleCompiler
{
    private const uint Reg1 = 1;
    private const byte NfProtoIpv4 = 2;
    private const byte NfProtoIpv6 = 10;

    // nft's protocol ids (proto_desc) and the field numbers of the address fields, for anonymous sets' typeof data.
    private const uint ProtocolIp = 12;
    private const uint ProtocolIp6 = 13;

    public static NfTablesRule Compile(string text)
    {
        var tokens = new NftTokens(text);
        var rule = new RuleState(tokens);
        while (!tokens.AtEnd) Statement(tokens, rule);
        using var builder = new NfTablesRuleBuilder();
        foreach (var op in MergePayloads(rule.Ops)) op(builder);
        if (rule.Comment is { } comment) builder.UserData(NftUserData.Comment(comment));
        return builder.Build();
    }

    /// <summary><c>jump C</c> or <c>goto C</c> (as map elements hold them).</summary>
    public static NfTablesVerdict ChainVerdict(string verb, string chain, string line) => verb switch
    {
        "jump" => NfTablesVerdict.Jump(chain),
        "goto" => NfTablesVerdict.Goto(chain),
        _ => throw new NftUnsupportedException($"verdict '{verb} {chain}' in: {line}"),
    };

    public static byte ProtocolNumber(string text, string line) => text switch
    {
        "tcp" => 6,
        "udp" => 17,
        "sctp" => 132,
        "icmp" => 1,
        "icmpv6" => 58,
        _ => Byte(text, line),
    };

    public static ushort PortNumber(string text, string line) =>
        ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? port
            : throw new NftUnsupportedException($"port '{text}' in: {line}");

    public static byte Byte(string text, string line) =>
        byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new NftUnsupportedException($"number '{text}' in: {line}");

    private static void Statement(NftTokens tokens, RuleState rule)
    {
        if (rule.HasVerdict && tokens.Peek() != "comment") throw tokens.Unsupported("nothing after the verdict but a comment");
        var word = tokens.Next();
        switch (word)
        {
            case "meta":
                Meta(tokens, rule);
                break;
            case "iifname" or "oifname":
                InterfaceName(tokens, rule, word == "iifname" ? MetaIifName : MetaOifName);
                break;
            case "ct":
                tokens.Expect("state");
                uint bits = 0;
                var states = new List<string> { tokens.Next() };
                while (tokens.TryTake(",")) states.Add(tokens.Next());
                foreach (var state in states)
                {
                    bits |= state switch
                    {
                        "invalid" => 1u,
                        "established" => 2u,
                        "related" => 4u,
                        "new" => 8u,
                        "untracked" => 64u,
                        _ => throw new NftUnsupportedException($"ct state '{state}' in: {tokens.Text}"),
                    };
                }
                rule.Add(b => b.Ct(CtState, Reg1));
                rule.Add(b => b.Bitwise(Reg1, HostUInt32(bits), HostUInt32(0)));
                rule.Add(b => b.Cmp(CmpNeq, Reg1, HostUInt32(0)));
                break;
            case "ip" or "ip6":
                Address(tokens, rule, word == "ip6");
                break;
            case "th":
                Port(tokens, rule);
                break;
            case "udp" or "tcp":
                var protocol = ProtocolNumber(word, tokens.Text);
                if (rule.L4Proto is null)
                {
                    rule.Add(b => b.Meta(MetaL4Proto, Reg1));
                    rule.Add(b => b.Cmp(CmpEq, Reg1, [protocol]));
                    rule.L4Proto = protocol;
                }
                else if (rule.L4Proto != protocol)
                {
                    throw new NftUnsupportedException($"{word} after another protocol in: {tokens.Text}");
                }
                Port(tokens, rule);
                break;
            case "icmp" or "icmpv6":
                Icmp(tokens, rule, word);
                break;
            case "counter":
                rule.Add(b => b.Counter());
                break;
            case "notrack":
                rule.Add(b => b.Notrack());
                break;
            case "log":
                tokens.Expect("prefix");
                var prefix = Unquote(tokens.Next(), tokens.Text);
                rule.Add(b => b.Log(prefix));
                break;
            case "comment":
                rule.Comment = Unquote(tokens.Next(), tokens.Text);
                if (!tokens.AtEnd) throw tokens.Unsupported("the end after the comment");
                break;
            case "accept":
                rule.Verdict(NfTablesVerdict.Accept);
                break;
            case "drop":
                rule.Verdict(NfTablesVerdict.Drop);
                break;
            case "return":
                rule.Verdict(NfTablesVerdict.Return);
                break;
            case "jump" or "goto":
                rule.Verdict(ChainVerdict(word, tokens.Next(), tokens.Text));
                break;
            default:
                throw new NftUnsupportedException($"statement '{word}' in: {tokens.Text}");
        }
    }

    private static void Meta(NftTokens tokens, RuleState rule)
    {
        switch (tokens.Next())
        {
            case "nfproto":
                var family = tokens.Next() switch
                {
                    "ipv4" => NfProtoIpv4,
                    "ipv6" => NfProtoIpv6,
                    var other => throw new NftUnsupportedException($"meta nfproto {other} in: {tokens.Text}"),
                };
                rule.Add(b => b.Meta(MetaNfProto, Reg1));
                rule.Add(b => b.Cmp(CmpEq, Reg1, [family]));
                rule.NfProto = family;
                break;
            case "l4proto":
                var inverted = tokens.TryTake("!=");
                rule.Add(b => b.Meta(MetaL4Proto, Reg1));
                if (tokens.Peek() == "{")
                {
                    var type = NftSetType.AnonymousProtocols(MetaL4Proto);
                    var set = new NfTablesAnonymousSet(type.Spec, type.Elements(tokens.BracedList(), leadingGap: false, tokens.Text));
                    rule.Add(b => b.Lookup(set, Reg1, inverted));
                    break;
                }
                var protocol = ProtocolNumber(tokens.Next(), tokens.Text);
                rule.Add(b => b.Cmp(inverted ? CmpNeq : CmpEq, Reg1, [protocol]));
                if (!inverted) rule.L4Proto = protocol;
                break;
            case "mark":
                Mark(tokens, rule);
                break;
            default:
                throw tokens.Unsupported("nfproto, l4proto or mark");
        }
    }

    /// <summary><c>meta mark &amp; M ==|!= V</c>, <c>meta mark set meta mark | X</c> and <c>meta mark set meta mark &amp; X</c>.</summary>
    private static void Mark(NftTokens tokens, RuleState rule)
    {
        rule.Add(b => b.Meta(MetaMark, Reg1));
        if (tokens.TryTake("set"))
        {
            tokens.Expect("meta");
            tokens.Expect("mark");
            var op = tokens.Next();
            var value = Hex(tokens.Next(), tokens.Text);
            var (mask, xor) = op switch
            {
                "|" => (~value, value),
                "&" => (value, 0u),
                _ => throw new NftUnsupportedException($"meta mark set ... {op} in: {tokens.Text}"),
            };
            rule.Add(b => b.Bitwise(Reg1, HostUInt32(mask), HostUInt32(xor)));
            rule.Add(b => b.MetaSet(MetaMark, Reg1));
            return;
        }
        tokens.Expect("&");
        var bits = Hex(tokens.Next(), tokens.Text);
        var compare = tokens.Next() switch
        {
            "==" => CmpEq,
            "!=" => CmpNeq,
            var other => throw new NftUnsupportedException($"meta mark & ... {other} in: {tokens.Text}"),
        };
        var against = Hex(tokens.Next(), tokens.Text);
        rule.Add(b => b.Bitwise(Reg1, HostUInt32(bits), HostUInt32(0)));
        rule.Add(b => b.Cmp(compare, Reg1, HostUInt32(against)));
    }

    private static void InterfaceName(NftTokens tokens, RuleState rule, uint key)
    {
        rule.Add(b => b.Meta(key, Reg1));
        if (tokens.TryTake("vmap"))
        {
            var map = SetName(tokens.Next(), tokens.Text);
            rule.Add(b => b.VerdictMap(map, Reg1));
            rule.Verdict();
            return;
        }
        var inverted = tokens.TryTake("!=");
        if (tokens.Peek()?.StartsWith('@') == true)
        {
            var set = SetName(tokens.Next(), tokens.Text);
            rule.Add(b => b.Lookup(set, Reg1, inverted));
            return;
        }
        if (inverted) throw tokens.Unsupported("@set after iifname/oifname !=");
        var name = tokens.Next();
        // "cali*" matches the prefix: nft compares only the bytes before the star.
        var value = name.Length > 3 && name[0] == '"' && name[^2] == '*' && name[^1] == '"'
            ? System.Text.Encoding.ASCII.GetBytes(name[1..^2])
            : NftSetType.InterfaceKey(name, tokens.Text);
        rule.Add(b => b.Cmp(CmpEq, Reg1, value));
    }

    private static void Address(NftTokens tokens, RuleState rule, bool v6)
    {
        var family = v6 ? NfProtoIpv6 : NfProtoIpv4;
        if (rule.NfProto is null)
        {
            rule.Add(b => b.Meta(MetaNfProto, Reg1));
            rule.Add(b => b.Cmp(CmpEq, Reg1, [family]));
            rule.NfProto = family;
        }
        else if (rule.NfProto != family)
        {
            throw new NftUnsupportedException($"{(v6 ? "ip6" : "ip")} in a rule of the other family: {tokens.Text}");
        }
        var field = tokens.Next() switch
        {
            "saddr" => 0,
            "daddr" => 1,
            _ => throw tokens.Unsupported("saddr or daddr"),
        };
        var length = v6 ? 16 : 4;
        var offset = v6 ? 8 + 16 * field : 12 + 4 * field;
        // nft's field numbers: ip saddr 11, daddr 12; ip6 saddr 8, daddr 9.
        var fieldId = (uint)(v6 ? 8 + field : 11 + field);
        if (tokens.TryTake("."))
        {
            // address . meta l4proto . th dport: the fields at byte 0, 16|4 and 20|8 of the key, in the registers nft
            // names them by (a 16-byte register where the offset allows, a 4-byte one otherwise).
            tokens.Expect("meta");
            tokens.Expect("l4proto");
            tokens.Expect(".");
            tokens.Expect("th");
            var portOffset = PortOffset(tokens);
            var inv = tokens.TryTake("!=");
            var set = SetName(tokens.Next(), tokens.Text);
            rule.Add(b => b.Payload(NetworkHeader, offset, length, Reg1));
            rule.Add(b => b.Meta(MetaL4Proto, v6 ? 2u : 9u));
            rule.Add(b => b.Payload(TransportHeader, portOffset, 2, v6 ? 13u : 10u));
            rule.Add(b => b.Lookup(set, Reg1, inv));
            return;
        }
        var inverted = tokens.TryTake("!=");
        var next = tokens.Peek() ?? throw tokens.Unsupported("an address");
        if (next.StartsWith('@'))
        {
            var set = SetName(tokens.Next(), tokens.Text);
            rule.Add(b => b.Payload(NetworkHeader, offset, length, Reg1));
            rule.Add(b => b.Lookup(set, Reg1, inverted));
        }
        else if (next == "{")
        {
            var elements = tokens.BracedList();
            var type = NftSetType.AnonymousAddresses(v6, v6 ? ProtocolIp6 : ProtocolIp, fieldId, NftSetType.HasIntervals(elements));
            var set = new NfTablesAnonymousSet(type.Spec, type.Elements(elements, leadingGap: true, tokens.Text));
            rule.Add(b => b.Payload(NetworkHeader, offset, length, Reg1));
            rule.Add(b => b.Lookup(set, Reg1, inverted));
        }
        else
        {
            var (network, prefix) = NftSetType.Prefix(tokens.Next(), v6, tokens.Text);
            var op = inverted ? CmpNeq : CmpEq;
            if (prefix > 0 && prefix % 8 == 0)
            {
                // A whole-byte prefix loads only the bytes it covers.
                var bytes = network[..(prefix / 8)];
                rule.Add(b => b.Payload(NetworkHeader, offset, bytes.Length, Reg1));
                rule.Add(b => b.Cmp(op, Reg1, bytes));
            }
            else
            {
                var mask = new byte[length];
                for (var bit = 0; bit < prefix; bit++) mask[bit / 8] |= (byte)(0x80 >> (bit % 8));
                rule.Add(b => b.Payload(NetworkHeader, offset, length, Reg1));
                rule.Add(b => b.Bitwise(Reg1, mask, new byte[length]));
                rule.Add(b => b.Cmp(op, Reg1, network));
            }
        }
    }

    private static int PortOffset(NftTokens tokens) => tokens.Next() switch
    {
        "sport" => 0,
        "dport" => 2,
        _ => throw tokens.Unsupported("sport or dport"),
    };

    private static void Port(NftTokens tokens, RuleState rule)
    {
        var offset = PortOffset(tokens);
        var inverted = tokens.TryTake("!=");
        if (tokens.Peek() == "{")
        {
            rule.Add(b => b.Payload(TransportHeader, offset, 2, Reg1));
            var elements = tokens.BracedList();
            var type = NftSetType.AnonymousPorts(offset == 0 ? 1u : 2u, NftSetType.HasIntervals(elements));
            var set = new NfTablesAnonymousSet(type.Spec, type.Elements(elements, leadingGap: true, tokens.Text));
            rule.Add(b => b.Lookup(set, Reg1, inverted));
            return;
        }
        var text = tokens.Next();
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            var port = Port(PortNumber(text, tokens.Text));
            if (inverted)
            {
                rule.Add(b => b.Payload(TransportHeader, offset, 2, Reg1));
                rule.Add(b => b.Cmp(CmpNeq, Reg1, port));
            }
            else
            {
                rule.AddTransportEquality(offset, port);
            }
            return;
        }
        rule.Add(b => b.Payload(TransportHeader, offset, 2, Reg1));
        var first = Port(PortNumber(text[..dash], tokens.Text));
        var last = Port(PortNumber(text[(dash + 1)..], tokens.Text));
        if (inverted)
        {
            rule.Add(b => b.Range(RangeNeq, Reg1, first, last));
            return;
        }
        rule.Add(b => b.Cmp(CmpGte, Reg1, first));
        rule.Add(b => b.Cmp(CmpLte, Reg1, last));
    }

    private static void Icmp(NftTokens tokens, RuleState rule, string protocol)
    {
        var number = protocol == "icmp" ? (byte)1 : (byte)58;
        // nft would add the protocol itself; the renderers always state it, and only that form is known here.
        if (rule.L4Proto != number) throw new NftUnsupportedException($"{protocol} without meta l4proto {number} before it: {tokens.Text}");
        var field = tokens.Next() switch
        {
            "type" => 0,
            "code" => 1,
            _ => throw tokens.Unsupported("type or code"),
        };
        if (field == 0 && tokens.TryTake("."))
        {
            tokens.Expect(protocol);
            tokens.Expect("code");
            var inv = tokens.TryTake("!=");
            var type = NftSetType.AnonymousIcmp(protocol == "icmpv6");
            var set = new NfTablesAnonymousSet(type.Spec, type.Elements(tokens.BracedList(), leadingGap: false, tokens.Text));
            rule.Add(b => b.Payload(TransportHeader, 0, 1, Reg1));
            rule.Add(b => b.Payload(TransportHeader, 1, 1, 9));
            rule.Add(b => b.Lookup(set, Reg1, inv));
            return;
        }
        var inverted = tokens.TryTake("!=");
        var value = Byte(tokens.Next(), tokens.Text);
        if (inverted)
        {
            rule.Add(b => b.Payload(TransportHeader, field, 1, Reg1));
            rule.Add(b => b.Cmp(CmpNeq, Reg1, [value]));
        }
        else
        {
            rule.AddTransportEquality(field, [value]);
        }
    }

    /// <summary>
    /// nft merges consecutive equality matches on adjacent transport-header bytes into one load and one compare (up to
    /// one 16-byte register); the kernel then holds, and lists, the merged form.
    /// </summary>
    private static List<Action<NfTablesRuleBuilder>> MergePayloads(List<RuleOp> ops)
    {
        var merged = new List<RuleOp>(ops.Count);
        foreach (var op in ops)
        {
            if (op.Compare is { } compare && merged.Count >= 3 && merged[^1].Load is { } load && merged[^2].Compare is { } previous
                && merged[^3].Load is { } previousLoad && previousLoad.Offset + previousLoad.Length == load.Offset
                && previousLoad.Length + load.Length <= 16)
            {
                merged.RemoveRange(merged.Count - 3, 3);
                var value = previous.Concat(compare).ToArray();
                var joined = new PayloadLoad(previousLoad.Offset, previousLoad.Length + load.Length);
                merged.Add(new RuleOp(b => b.Payload(TransportHeader, joined.Offset, joined.Length, Reg1)) { Load = joined });
                merged.Add(new RuleOp(b => b.Cmp(CmpEq, Reg1, value)) { Compare = value });
                continue;
            }
            merged.Add(op);
        }
        return [.. merged.Select(op => op.Emit)];
    }

    private static byte[] Port(ushort port) => [(byte)(port >> 8), (byte)port];

    private static uint Hex(string text, string line) =>
        text.StartsWith("0x", StringComparison.Ordinal) && uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex)
            ? hex
            : uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var dec) ? dec : throw new NftUnsupportedException($"number '{text}' in: {line}");

    private static string SetName(string word, string line) =>
        word.Length > 1 && word[0] == '@' ? word[1..] : throw new NftUnsupportedException($"set reference '{word}' in: {line}");

    private static string Unquote(string word, string line) =>
        word.Length >= 2 && word[0] == '"' && word[^1] == '"' ? word[1..^1] : throw new NftUnsupportedException($"quoted text expected, not {word}, in: {line}");

    /// <summary>A transport-header load of one statement (candidate for merging with the next).</summary>
    private sealed record PayloadLoad(int Offset, int Length);

    /// <summary>One expression to emit; transport loads and the equality compares after them are marked for merging.</summary>
    private sealed record RuleOp(Action<NfTablesRuleBuilder> Emit)
    {
        public PayloadLoad? Load { get; init; }

        public byte[]? Compare { get; init; }
    }

    /// <summary>What is known about the packet so far in the rule (for nft's implicit dependencies), and the ops.</summary>
    private sealed class RuleState(NftTokens tokens)
    {
        public List<RuleOp> Ops { get; } = [];

        public byte? NfProto { get; set; }

        public byte? L4Proto { get; set; }

        public string? Comment { get; set; }

        public bool HasVerdict { get; private set; }

        public void Add(Action<NfTablesRuleBuilder> emit) => Ops.Add(new RuleOp(emit));

        /// <summary>A transport-header equality: its load and compare may merge with a neighbouring one.</summary>
        public void AddTransportEquality(int offset, byte[] value)
        {
            Ops.Add(new RuleOp(b => b.Payload(TransportHeader, offset, value.Length, Reg1)) { Load = new PayloadLoad(offset, value.Length) });
            Ops.Add(new RuleOp(b => b.Cmp(CmpEq, Reg1, value)) { Compare = value });
        }

        public void Verdict(NfTablesVerdict verdict)
        {
            Add(b => b.Immediate(verdict));
            Verdict();
        }

        public void Verdict()
        {
            if (HasVerdict) throw tokens.Unsupported("one verdict");
            HasVerdict = true;
        }
    }
}
