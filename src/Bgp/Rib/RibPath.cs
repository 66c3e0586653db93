using System.Net;
using CniNet.Bgp.Wire;
using CniNet.Model.Net;

namespace CniNet.Bgp.Rib;

/// <summary>One peer's route to a prefix, as held in the Loc-RIB.</summary>
/// <param name="Peer">The session's name; one path per peer and prefix.</param>
/// <param name="External">Learned over eBGP (preferred over iBGP, RFC 4271 §9.1.2.2 d).</param>
/// <param name="PeerRouterId">The peer's BGP identifier, the last tie-breaker.</param>
public sealed record RibPath(Cidr Prefix, PathAttributes Attributes, IPAddress NextHop, string Peer, bool External, IPAddress PeerRouterId, IPAddress PeerAddress)
{
    /// <summary>RFC 4271 §5.1.5: a route without LOCAL_PREF (e.g. from eBGP) ranks as the common default 100.</summary>
    public const uint DefaultLocalPref = 100;

    public uint LocalPref => Attributes.LocalPref ?? DefaultLocalPref;
}
