using System.Net;
using CniNet.Model.Net;

namespace CniNet.Bgp.Wire;

/// <summary>
/// MP_REACH_NLRI (RFC 4760 §3) for IPv4 or IPv6 unicast. An IPv6 next hop is 16 bytes, or 32 with the link-local
/// address after the global one (RFC 2545 §3).
/// </summary>
public sealed record MpReach(BgpFamily Family, IPAddress NextHop, IPAddress? LinkLocalNextHop, IReadOnlyList<Cidr> Nlri)
{
    public bool Equals(MpReach? other) =>
        other is not null && Family == other.Family && NextHop.Equals(other.NextHop) && Equals(LinkLocalNextHop, other.LinkLocalNextHop)
        && Nlri.SequenceEqual(other.Nlri);

    public override int GetHashCode() => HashCode.Combine(Family, NextHop, Nlri.Count);
}
