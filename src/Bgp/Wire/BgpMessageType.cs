namespace CniNet.Bgp.Wire;

/// <summary>The message type octet of the BGP header (RFC 4271 §4.1, RFC 2918 for ROUTE-REFRESH).</summary>
public enum BgpMessageType : byte
{
    Open = 1,
    Update = 2,
    Notification = 3,
    Keepalive = 4,
    RouteRefresh = 5,
}
