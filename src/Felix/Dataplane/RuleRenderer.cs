using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using CniNet.Felix.Policy;
using CniNet.Model.Net;
using CniNet.Model.Policy;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// One Calico rule as nft rules in a policy chain. The criteria of a rule are ANDed in one nft rule; what nft cannot
/// OR inside one rule (numeric ports and each named port, which are different match types) becomes one nft rule per
/// alternative. Address criteria are per family: a rule is written for IPv4 and IPv6 separately when it has any,
/// and skipped for a family where its nets leave nothing to match or its notNets hold the catch-all, as Felix's
/// <c>filterNets</c> does. Without IPv6 support only the IPv4 forms are written, as Felix with <c>IPv6Support</c> off
/// programs no IPv6 rules. An untracked (doNotTrack) policy's Allow also exempts the packet from conntrack, so its
/// reply is a packet of its own that needs its own policy.
/// <para>
/// <c>requestSet</c> names the set a selector or named port needs, or gives null while that set is empty (a typical
/// IPv4-only cluster's IPv6 sets): a match that must find the address in it cannot succeed, so that alternative is not
/// written, and a match that must not find it always succeeds, so that criterion is left out. A dual-stack table then
/// holds the IPv6 copies of rules only where some selected member has an IPv6 address; the owner re-renders the rule
/// when the set's emptiness changes.
/// </para>
/// <para>
/// An Allow or Pass is <c>goto</c> a shared chain that sets the bit and returns (<see cref="AcceptChain"/>,
/// <see cref="PassChain"/>): a return from a chain entered by goto goes back to the endpoint chain that jumped to the
/// policy, as the policy's own return would, and one verdict expression takes the kernel a quarter of the time the
/// mark's read, or and write took on every rule (a full program is mostly policy rules).
/// </para>
/// <para>
/// Hot at scale (a full program renders some 100,000 rules): one renderer serves every policy, reusing its builder
/// and lists, the common parts (protocol matches, single ports) are built once, and equal rules share one string.
/// </para>
/// </summary>
internal sealed class RuleRenderer(bool ipv6)
{
    /// <summary>Accept and pass bits in the packet mark, as Felix allocates them from its default mask.</summary>
    public const uint AcceptMark = 0x10000;

    public const uint PassMark = 0x20000;

    /// <summary>The chains an Allow and a Pass go to: each sets its bit and returns.</summary>
    public const string AcceptChain = "mark-accept";

    public const string PassChain = "mark-pass";

    public static readonly string AcceptHex = Hex(AcceptMark);

    public static readonly string PassHex = Hex(PassMark);

    public static readonly string SetAccept = $"meta mark set meta mark | {AcceptHex} return";

    public static readonly string SetPass = $"meta mark set meta mark | {PassHex} return";

    private static readonly string AllowVerdict = $"counter goto {AcceptChain}";
    private static readonly string UntrackedAllowVerdict = $"counter notrack {SetAccept}";
    private static readonly string PassVerdict = $"counter goto {PassChain}";

    private const int RenderedLimit = 262_144;

    private readonly StringBuilder _text = new(256);
    private readonly HashSet<string> _rendered = new(StringComparer.Ordinal);
    private char[] _chars = new char[256];
    private readonly Dictionary<(int Family, int Protocol, int NotProtocol), string> _common = [];
    private readonly Dictionary<(string Field, int Port), string> _singlePorts = [];
    private readonly List<string> _sources = [];
    private readonly List<string> _destinations = [];
    private readonly List<Port> _numeric = [];
    private readonly Dictionary<(SelectorConjunction, string?, int), SetRequest> _requests = [];

    /// <summary>
    /// Adds the nft rules of <paramref name="rule"/> (none, when it cannot match here) to <paramref name="into"/>;
    /// <paramref name="requestSet"/> names the set a selector or named port needs, or gives null while it is empty.
    /// </summary>
    public void Render(CompiledRule rule, Func<SetRequest, string?> requestSet, bool untracked, ICollection<string> into)
    {
        var verdict = rule.Action switch
        {
            Rule.ActionAllow => untracked ? UntrackedAllowVerdict : AllowVerdict,
            Rule.ActionPass => PassVerdict,
            Rule.ActionDeny => "counter drop",
            Rule.ActionLog => "counter log prefix \"calico-packet: \"",
            _ => throw new ArgumentException($"unknown rule action '{rule.Action}'"),
        };
        if (rule.IpVersion is { } version)
        {
            if (version == 4 || ipv6) Render(rule, version, verdict, requestSet, into);
        }
        else if (!IsFamilySpecific(rule))
        {
            Render(rule, 0, verdict, requestSet, into);
        }
        else
        {
            Render(rule, 4, verdict, requestSet, into);
            if (ipv6) Render(rule, 6, verdict, requestSet, into);
        }
    }

    private void Render(CompiledRule rule, int family, string verdict, Func<SetRequest, string?> requestSet, ICollection<string> into)
    {
        if (!Entity(rule.Source, family, "saddr", "sport", rule.Protocol, requestSet, _sources)
            || !Entity(rule.Destination, family, "daddr", "dport", rule.Protocol, requestSet, _destinations))
        {
            return;
        }
        var common = Common(rule, family);
        foreach (var source in _sources)
        {
            foreach (var destination in _destinations)
            {
                _text.Clear();
                Word(common);
                Word(source);
                Word(destination);
                Word(verdict);
                into.Add(Text());
            }
        }
    }

    /// <summary>
    /// The rule just built, as the same string object as every equal rule rendered before: a full program renders some
    /// 100,000 rules and they repeat (a rule per shared selector and port), and the chains keep them all. Past its bound
    /// the table starts again rather than keep the rules of policies long gone.
    /// </summary>
    private string Text()
    {
        var length = _text.Length;
        if (_chars.Length < length) _chars = new char[Math.Max(length, 2 * _chars.Length)];
        _text.CopyTo(0, _chars, length);
        var text = _chars.AsSpan(0, length);
        if (_rendered.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(text, out var known)) return known;
        if (_rendered.Count >= RenderedLimit) _rendered.Clear();
        var rendered = text.ToString();
        _rendered.Add(rendered);
        return rendered;
    }

    /// <summary>Appends a rule's part after a space, unless it is empty.</summary>
    private void Word(string part)
    {
        if (part.Length == 0) return;
        if (_text.Length > 0) _text.Append(' ');
        _text.Append(part);
    }

    private static bool IsFamilySpecific(CompiledRule rule) =>
        IsFamilySpecific(rule.Source) || IsFamilySpecific(rule.Destination);

    private static bool IsFamilySpecific(EntityMatcher entity) =>
        !entity.Selector.IsEmpty || entity.NotSelector is not null || !entity.Nets.IsEmpty || !entity.NotNets.IsEmpty
        || entity.Ports.Any(p => p.IsNamed) || entity.NotPorts.Any(p => p.IsNamed);

    private string Common(CompiledRule rule, int family)
    {
        if (rule.Icmp is null && rule.NotIcmp is null)
        {
            var key = (family, rule.Protocol?.Number ?? -1, rule.NotProtocol?.Number ?? -1);
            if (!_common.TryGetValue(key, out var common)) _common[key] = common = BuildCommon(rule, family);
            return common;
        }
        return BuildCommon(rule, family);
    }

    private string BuildCommon(CompiledRule rule, int family)
    {
        _text.Clear();
        if (family != 0)
        {
            Word(family == 6 ? "meta nfproto ipv6" : "meta nfproto ipv4");
        }
        if (rule.Protocol is { } protocol)
        {
            Word("meta l4proto ");
            _text.Append(protocol.Number);
        }
        if (rule.NotProtocol is { } notProtocol)
        {
            Word("meta l4proto != ");
            _text.Append(notProtocol.Number);
        }
        var icmp = rule.Protocol is { Number: 58 } ? "icmpv6" : "icmp";
        if (rule.Icmp is { } fields)
        {
            if (fields.Type is { } type)
            {
                Word(string.Create(CultureInfo.InvariantCulture, $"{icmp} type {type}"));
            }
            if (fields.Code is { } code)
            {
                Word(string.Create(CultureInfo.InvariantCulture, $"{icmp} code {code}"));
            }
        }
        if (rule.NotIcmp is { Type: { } notType } notFields)
        {
            // The verdict function's (and iptables') meaning: not both this type and, when given, this code.
            Word(notFields.Code is { } notCode
                ? string.Create(CultureInfo.InvariantCulture, $"{icmp} type . {icmp} code != {{ {notType} . {notCode} }}")
                : string.Create(CultureInfo.InvariantCulture, $"{icmp} type != {notType}"));
        }
        return _text.ToString();
    }

    /// <summary>
    /// Fills <paramref name="alternatives"/> with the alternatives for one side of the rule (each the text of its
    /// ANDed matches, empty when it has none); false when the rule cannot match in this family.
    /// </summary>
    private bool Entity(
        EntityMatcher entity, int family, string address, string port, Protocol? protocol, Func<SetRequest, string?> requestSet,
        List<string> alternatives)
    {
        alternatives.Clear();
        _text.Clear();
        var ip = family == 6 ? "ip6" : "ip";
        if (!entity.Nets.IsEmpty)
        {
            var nets = CidrNormalizer.Disjoint(entity.Nets.Where(net => net.Family == family));
            if (nets.Count == 0)
            {
                return false;
            }
            Word($"{ip} {address} {AnonymousSet(nets.Select(CidrNormalizer.Element))}");
        }
        if (!entity.NotNets.IsEmpty)
        {
            var notNets = CidrNormalizer.Disjoint(entity.NotNets.Where(net => net.Family == family));
            if (notNets.Any(net => net.PrefixLength == 0))
            {
                return false;
            }
            if (notNets.Count > 0)
            {
                Word($"{ip} {address} != {AnonymousSet(notNets.Select(CidrNormalizer.Element))}");
            }
        }
        if (!entity.Selector.IsEmpty)
        {
            if (requestSet(Request(entity.Selector, null, family)) is not { } selected)
            {
                return false;
            }
            Word(ip);
            _text.Append(' ').Append(address).Append(" @").Append(selected);
        }
        if (entity.NotSelector is { } notSelector && requestSet(Request(notSelector, null, family)) is { } notSelected)
        {
            Word(ip);
            _text.Append(' ').Append(address).Append(" != @").Append(notSelected);
        }
        if (Numeric(entity.NotPorts) is { } numericNotPorts)
        {
            Word($"th {port} != {numericNotPorts}");
        }
        foreach (var named in entity.NotPorts)
        {
            if (named.IsNamed && requestSet(Request(entity.Selector, named.Name, family)) is { } excluded)
            {
                Word($"{ip} {address} . meta l4proto . th {port} != @{excluded}");
            }
        }
        var parts = _text.ToString();
        if (entity.Ports.IsEmpty)
        {
            alternatives.Add(parts);
            return true;
        }

        if (entity.Ports is [{ IsNamed: false } single] && single.MinPort == single.MaxPort && protocol is not null)
        {
            if (!_singlePorts.TryGetValue((port, single.MinPort), out var match))
            {
                _singlePorts[(port, single.MinPort)] = match = string.Create(CultureInfo.InvariantCulture, $"th {port} {single.MinPort}");
            }
            alternatives.Add(Joined(parts, match));
        }
        else if (Numeric(entity.Ports) is { } numeric)
        {
            // Calico requires TCP, UDP or SCTP with ports; without a protocol, only those carry ports.
            var restrict = protocol is null ? "meta l4proto { 6, 17, 132 } " : "";
            alternatives.Add(Joined(parts, $"{restrict}th {port} {numeric}"));
        }
        foreach (var named in entity.Ports)
        {
            if (!named.IsNamed) continue;
            if (family == 0)
            {
                throw new InvalidOperationException("a named port needs an address family");
            }
            if (requestSet(Request(entity.Selector, named.Name, family)) is { } selected)
            {
                alternatives.Add(Joined(parts, $"{ip} {address} . meta l4proto . th {port} @{selected}"));
            }
        }
        return alternatives.Count > 0;
    }

    /// <summary>
    /// One request object per set for every rule that needs it (conjunctions are shared per parts); past its bound the
    /// memo starts again rather than keep conjunctions of policies long gone.
    /// </summary>
    private SetRequest Request(SelectorConjunction selector, string? portName, int family)
    {
        if (!_requests.TryGetValue((selector, portName, family), out var request))
        {
            if (_requests.Count >= 65_536) _requests.Clear();
            _requests[(selector, portName, family)] = request = new SetRequest(selector, portName, family);
        }
        return request;
    }

    private static string Joined(string parts, string more) => parts.Length == 0 ? more : $"{parts} {more}";

    /// <summary>The numeric ports among <paramref name="ports"/> as nft writes a port match's right side, or null when none.</summary>
    private string? Numeric(ImmutableArray<Port> ports)
    {
        _numeric.Clear();
        foreach (var p in ports)
        {
            if (!p.IsNamed) _numeric.Add(p);
        }
        if (_numeric.Count == 0) return null;
        _numeric.Sort((a, b) => a.MinPort.CompareTo(b.MinPort));
        var merged = new List<(int Min, int Max)>();
        foreach (var p in _numeric)
        {
            int min = p.MinPort, max = p.MaxPort;
            if (merged.Count > 0 && min <= merged[^1].Max + 1)
            {
                merged[^1] = (merged[^1].Min, Math.Max(merged[^1].Max, max));
            }
            else
            {
                merged.Add((min, max));
            }
        }
        return AnonymousSet(merged.Select(r => r.Min == r.Max
            ? r.Min.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{r.Min}-{r.Max}")));
    }

    private static string AnonymousSet(IEnumerable<string> elements)
    {
        var list = elements.ToList();
        return list.Count == 1 ? list[0] : $"{{ {string.Join(", ", list)} }}";
    }

    public static string Hex(uint mark) => string.Create(CultureInfo.InvariantCulture, $"0x{mark:x8}");
}
