using System.Collections.Immutable;
using System.Globalization;
using CniNet.Felix.Policy;
using CniNet.Model.Net;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// The named sets one render needs, filled from the IP-set index as rules ask for them: one set per distinct selector
/// and family (<c>s4-</c>/<c>s6-</c>, Felix's <c>cali40s:</c>) and one per (selector, port name, family) for named
/// ports (<c>n4-</c>/<c>n6-</c>, Felix's <c>cali40n:</c>, in nft an address . protocol . port concatenation). Only
/// selectors used by policies active on the node get a set, as Felix's active rules calculator does.
/// </summary>
internal sealed class IpSetRegistry(IpSetIndex index)
{
    private readonly Dictionary<string, NftSet> _sets = new(StringComparer.Ordinal);

    public string SelectorSet(SelectorConjunction selector, int family)
    {
        var name = $"s{family}-{NftNames.Hash(selector.ToString())}";
        if (!_sets.ContainsKey(name))
        {
            var nets = CidrNormalizer.Disjoint(index.Members(selector).Where(net => net.Family == family));
            _sets[name] = new NftSet(AddressType(family), Interval: true, [.. nets.Select(CidrNormalizer.Element)]);
        }
        return name;
    }

    public string NamedPortSet(SelectorConjunction selector, string portName, int family)
    {
        var name = $"n{family}-{NftNames.Hash($"{selector}\n{portName}")}";
        if (!_sets.ContainsKey(name))
        {
            var elements = index.NamedPortMembers(selector, portName)
                .Where(member => member.Net.Family == family && member.Net.HostBits == 0)
                .Select(member => string.Create(CultureInfo.InvariantCulture,
                    $"{member.Net.NetworkAddress} . {member.Protocol.Number} . {member.Port}"));
            _sets[name] = new NftSet($"{AddressType(family)} . inet_proto . inet_service", Interval: false, [.. elements]);
        }
        return name;
    }

    public ImmutableSortedDictionary<string, NftSet> ToImmutable() => _sets.ToImmutableSortedDictionary(StringComparer.Ordinal);

    private static string AddressType(int family) => family == 6 ? "ipv6_addr" : "ipv4_addr";
}
