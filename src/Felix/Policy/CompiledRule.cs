using CniNet.Model.Policy;

namespace CniNet.Felix.Policy;

/// <summary>A rule with its selectors parsed and scoped; all criteria present are ANDed.</summary>
internal sealed class CompiledRule(
    string action,
    int? ipVersion,
    Protocol? protocol,
    Protocol? notProtocol,
    ICMPFields? icmp,
    ICMPFields? notIcmp,
    EntityMatcher source,
    EntityMatcher destination)
{
    public string Action => action;

    public int? IpVersion => ipVersion;

    public Protocol? Protocol => protocol;

    public Protocol? NotProtocol => notProtocol;

    public ICMPFields? Icmp => icmp;

    public ICMPFields? NotIcmp => notIcmp;

    public EntityMatcher Source => source;

    public EntityMatcher Destination => destination;

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
