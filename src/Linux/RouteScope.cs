namespace CniNet.Linux;

/// <summary>
/// How far a destination is (linux/rtnetlink.h rt_scope_t), used by routes (rtm_scope) and addresses (ifa_scope).
/// IPv6 routes always report <see cref="Universe"/>.
/// </summary>
public enum RouteScope : byte
{
    /// <summary>Reached through a gateway (or anywhere, for an address).</summary>
    Universe = 0,
    Site = 200,

    /// <summary>Directly on the link: <c>ip route add 10.0.0.5/32 dev cali123 scope link</c>.</summary>
    Link = 253,

    /// <summary>On this host.</summary>
    Host = 254,
    Nowhere = 255,
}
