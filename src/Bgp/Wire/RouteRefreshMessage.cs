namespace CniNet.Bgp.Wire;

/// <summary>A request to resend the Adj-RIB-Out of one address family (RFC 2918; <paramref name="Subtype"/> is RFC 7313's, 0 for a plain refresh).</summary>
public sealed record RouteRefreshMessage(ushort Afi, byte Safi, byte Subtype = 0) : BgpMessage
{
    public override BgpMessageType Type => BgpMessageType.RouteRefresh;
}
