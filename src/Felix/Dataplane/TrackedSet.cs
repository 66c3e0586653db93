using System.Collections.Immutable;
using System.Globalization;
using CniNet.Felix.Policy;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// One named set kept up to date member by member: what each IP-set member contributes to it, and the nft set built
/// from those contributions, rebuilt only after a contribution changed.
/// </summary>
internal sealed class TrackedSet(SetRequest request)
{
    private readonly Dictionary<string, ImmutableArray<string>> _contributions = new(StringComparer.Ordinal);
    private NftSet? _built;

    /// <summary>Records what member <paramref name="id"/> contributes now (nothing when it is gone).</summary>
    public void Update(string id, IpSetMember? member)
    {
        var contribution = member is null ? [] : Contribution(member);
        if (contribution.IsEmpty)
        {
            if (_contributions.Remove(id)) _built = null;
        }
        else if (!_contributions.TryGetValue(id, out var old) || !old.SequenceEqual(contribution))
        {
            _contributions[id] = contribution;
            _built = null;
        }
    }

    /// <summary>The set's name in the table, a hash of what it stands for.</summary>
    public string Name { get; } = request.Name();

    public NftSet Current => _built ??= Build();

    /// <summary>No member contributes anything: a rule that must find an address in it cannot match.</summary>
    public bool IsEmpty => _contributions.Count == 0;

    /// <summary>A label every member of the set carries (its selector requires it), for the registry's index.</summary>
    public (string Label, string Value)? RequiredLabel { get; } =
        request.Selector.RequiredLabel is { } label ? (label.Key, label.Value) : null;

    private ImmutableArray<string> Contribution(IpSetMember member)
    {
        if (!request.Selector.Matches(member.Labels))
        {
            return [];
        }
        if (request.PortName is not { } portName)
        {
            // Nets as CIDR text here; made disjoint across members when the set is built. A loop: every member of a
            // full program passes here.
            var nets = ImmutableArray.CreateBuilder<string>(member.Nets.Length);
            foreach (var net in member.Nets)
            {
                if (net.Family == request.Family) nets.Add(net.ToString());
            }
            return nets.DrainToImmutable();
        }
        return
        [
            .. from named in member.NamedPorts
               where named.Name == portName
               from net in member.Nets
               where net.Family == request.Family && net.HostBits == 0
               select string.Create(CultureInfo.InvariantCulture, $"{net.NetworkAddress} . {named.Protocol.Number} . {named.Port}"),
        ];
    }

    private NftSet Build()
    {
        var address = request.Family == 6 ? "ipv6_addr" : "ipv4_addr";
        var all = _contributions.Values.SelectMany(c => c);
        return request.PortName is null
            ? new NftSet(address, Interval: true,
                [.. CidrNormalizer.Disjoint(all.Select(Model.Net.Cidr.Parse)).Select(CidrNormalizer.Element)])
            : new NftSet($"{address} . inet_proto . inet_service", Interval: false, [.. all]);
    }
}
