using System.Globalization;
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
/// </summary>
internal sealed class RuleRenderer(Func<SetRequest, string?> requestSet, bool ipv6, bool untracked = false)
{
    /// <summary>Accept and pass bits in the packet mark, as Felix allocates them from its default mask.</summary>
    public const uint AcceptMark = 0x10000;

    public const uint PassMark = 0x20000;

    private static readonly int[] BothFamilies = [4, 6];
    private static readonly int[] Ipv4Only = [4];

    public IEnumerable<string> Render(CompiledRule rule)
    {
        var verdict = rule.Action switch
        {
            Rule.ActionAllow => $"counter {(untracked ? "notrack " : "")}meta mark set meta mark | {Hex(AcceptMark)} return",
            Rule.ActionPass => $"counter meta mark set meta mark | {Hex(PassMark)} return",
            Rule.ActionDeny => "counter drop",
            Rule.ActionLog => "counter log prefix \"calico-packet: \"",
            _ => throw new ArgumentException($"unknown rule action '{rule.Action}'"),
        };
        int[] families = rule.IpVersion is { } version
            ? version == 6 && !ipv6 ? [] : [version]
            : IsFamilySpecific(rule) ? ipv6 ? BothFamilies : Ipv4Only : [0];
        foreach (var family in families)
        {
            var common = Common(rule, family);
            var sources = Entity(rule.Source, family, "saddr", "sport", rule.Protocol);
            var destinations = Entity(rule.Destination, family, "daddr", "dport", rule.Protocol);
            if (sources is null || destinations is null)
            {
                continue;
            }
            foreach (var source in sources)
            {
                foreach (var destination in destinations)
                {
                    yield return string.Join(' ', common.Concat(source).Concat(destination).Append(verdict));
                }
            }
        }
    }

    private static bool IsFamilySpecific(CompiledRule rule) =>
        IsFamilySpecific(rule.Source) || IsFamilySpecific(rule.Destination);

    private static bool IsFamilySpecific(EntityMatcher entity) =>
        !entity.Selector.IsEmpty || entity.NotSelector is not null || !entity.Nets.IsEmpty || !entity.NotNets.IsEmpty
        || entity.Ports.Any(p => p.IsNamed) || entity.NotPorts.Any(p => p.IsNamed);

    private static List<string> Common(CompiledRule rule, int family)
    {
        var parts = new List<string>();
        if (family != 0)
        {
            parts.Add(family == 6 ? "meta nfproto ipv6" : "meta nfproto ipv4");
        }
        if (rule.Protocol is { } protocol)
        {
            parts.Add($"meta l4proto {protocol.Number}");
        }
        if (rule.NotProtocol is { } notProtocol)
        {
            parts.Add($"meta l4proto != {notProtocol.Number}");
        }
        var icmp = rule.Protocol is { Number: 58 } ? "icmpv6" : "icmp";
        if (rule.Icmp is { } fields)
        {
            if (fields.Type is { } type)
            {
                parts.Add($"{icmp} type {type}");
            }
            if (fields.Code is { } code)
            {
                parts.Add($"{icmp} code {code}");
            }
        }
        if (rule.NotIcmp is { Type: { } notType } notFields)
        {
            // The verdict function's (and iptables') meaning: not both this type and, when given, this code.
            parts.Add(notFields.Code is { } notCode
                ? $"{icmp} type . {icmp} code != {{ {notType} . {notCode} }}"
                : $"{icmp} type != {notType}");
        }
        return parts;
    }

    /// <summary>
    /// The alternatives for one side of the rule (each a list of matches to AND), or null when the rule cannot match
    /// in this family.
    /// </summary>
    private List<List<string>>? Entity(EntityMatcher entity, int family, string address, string port, Protocol? protocol)
    {
        var parts = new List<string>();
        var ip = family == 6 ? "ip6" : "ip";
        if (!entity.Nets.IsEmpty)
        {
            var nets = CidrNormalizer.Disjoint(entity.Nets.Where(net => net.Family == family));
            if (nets.Count == 0)
            {
                return null;
            }
            parts.Add($"{ip} {address} {AnonymousSet(nets.Select(CidrNormalizer.Element))}");
        }
        if (!entity.NotNets.IsEmpty)
        {
            var notNets = CidrNormalizer.Disjoint(entity.NotNets.Where(net => net.Family == family));
            if (notNets.Any(net => net.PrefixLength == 0))
            {
                return null;
            }
            if (notNets.Count > 0)
            {
                parts.Add($"{ip} {address} != {AnonymousSet(notNets.Select(CidrNormalizer.Element))}");
            }
        }
        if (!entity.Selector.IsEmpty)
        {
            if (requestSet(new SetRequest(entity.Selector, null, family)) is not { } selected)
            {
                return null;
            }
            parts.Add($"{ip} {address} @{selected}");
        }
        if (entity.NotSelector is { } notSelector && requestSet(new SetRequest(notSelector, null, family)) is { } notSelected)
        {
            parts.Add($"{ip} {address} != @{notSelected}");
        }
        var numericNotPorts = entity.NotPorts.Where(p => !p.IsNamed).ToList();
        if (numericNotPorts.Count > 0)
        {
            parts.Add($"th {port} != {PortSet(numericNotPorts)}");
        }
        foreach (var named in entity.NotPorts.Where(p => p.IsNamed))
        {
            if (requestSet(new SetRequest(entity.Selector, named.Name, family)) is { } excluded)
            {
                parts.Add($"{ip} {address} . meta l4proto . th {port} != @{excluded}");
            }
        }
        if (entity.Ports.IsEmpty)
        {
            return [parts];
        }

        var alternatives = new List<List<string>>();
        var numeric = entity.Ports.Where(p => !p.IsNamed).ToList();
        if (numeric.Count > 0)
        {
            // Calico requires TCP, UDP or SCTP with ports; without a protocol, only those carry ports.
            var restrict = protocol is null ? new[] { "meta l4proto { 6, 17, 132 }" } : [];
            alternatives.Add([.. parts, .. restrict, $"th {port} {PortSet(numeric)}"]);
        }
        foreach (var named in entity.Ports.Where(p => p.IsNamed))
        {
            if (family == 0)
            {
                throw new InvalidOperationException("a named port needs an address family");
            }
            if (requestSet(new SetRequest(entity.Selector, named.Name, family)) is { } selected)
            {
                alternatives.Add([.. parts, $"{ip} {address} . meta l4proto . th {port} @{selected}"]);
            }
        }
        return alternatives.Count > 0 ? alternatives : null;
    }

    private static string PortSet(List<Port> ports)
    {
        var merged = new List<(int Min, int Max)>();
        foreach (var (min, max) in ports.Select(p => ((int)p.MinPort, (int)p.MaxPort)).OrderBy(r => r.Item1))
        {
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
