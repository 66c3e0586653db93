using CniNet.Model.Policy;

namespace CniNet.Felix.Policy;

/// <summary>
/// A rule with its selectors parsed and scoped; all criteria present are ANDed. Equal by value (its entity matches are
/// shared by value themselves): the compiler keeps one of equal rules.
/// </summary>
internal sealed class CompiledRule(
    string action,
    int? ipVersion,
    Protocol? protocol,
    Protocol? notProtocol,
    ICMPFields? icmp,
    ICMPFields? notIcmp,
    EntityMatcher source,
    EntityMatcher destination) : IEquatable<CompiledRule>
{
    public string Action => action;

    public int? IpVersion => ipVersion;

    public Protocol? Protocol => protocol;

    public Protocol? NotProtocol => notProtocol;

    public ICMPFields? Icmp => icmp;

    public ICMPFields? NotIcmp => notIcmp;

    public EntityMatcher Source => source;

    public EntityMatcher Destination => destination;

    public bool Equals(CompiledRule? other) =>
        ReferenceEquals(this, other)
        || (other is not null && action == other.Action && ipVersion == other.IpVersion && Nullable.Equals(protocol, other.Protocol)
            && Nullable.Equals(notProtocol, other.NotProtocol) && SameIcmp(icmp, other.Icmp) && SameIcmp(notIcmp, other.NotIcmp)
            && source.Equals(other.Source) && destination.Equals(other.Destination));

    public override bool Equals(object? obj) => Equals(obj as CompiledRule);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(action);
        hash.Add(ipVersion);
        hash.Add(protocol);
        hash.Add(notProtocol);
        hash.Add(icmp?.Type);
        hash.Add(icmp?.Code);
        hash.Add(notIcmp?.Type);
        hash.Add(notIcmp?.Code);
        hash.Add(source);
        hash.Add(destination);
        return hash.ToHashCode();
    }

    private static bool SameIcmp(ICMPFields? a, ICMPFields? b) =>
        a is null ? b is null : b is not null && a.Type == b.Type && a.Code == b.Code;

    public bool Matches(Packet packet, IpSetIndex index)
    {
        if (ipVersion is { } version && version != packet.IpVersion)
        {
            return false;
        }
        if (protocol is { } p && p.Number != packet.Protocol.Number)
        {
            return false;
        }
        if (notProtocol is { } np && np.Number == packet.Protocol.Number)
        {
            return false;
        }
        if (icmp is not null && !IcmpMatches(icmp, packet))
        {
            return false;
        }
        // iptables' "! --icmp-type t/c": the packet must not have both that type and (when given) that code.
        if (notIcmp is not null && IcmpMatches(notIcmp, packet))
        {
            return false;
        }
        return source.Matches(packet.Source, packet.SourcePort, packet.Protocol, index)
               && destination.Matches(packet.Destination, packet.DestinationPort, packet.Protocol, index);
    }

    private static bool IcmpMatches(ICMPFields fields, Packet packet) =>
        packet.IcmpType is { } type
        && (fields.Type is not { } wantedType || wantedType == type)
        && (fields.Code is not { } wantedCode || packet.IcmpCode == wantedCode);
}
