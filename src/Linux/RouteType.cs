namespace CniNet.Linux;

/// <summary>What a route does with matching packets (linux/rtnetlink.h RTN_*).</summary>
public enum RouteType : byte
{
    Unicast = 1,

    /// <summary>A local address (the kernel adds these to the local table).</summary>
    Local = 2,
    Broadcast = 3,
    Anycast = 4,
    Multicast = 5,

    /// <summary>Silently drop: Calico's route for an IPAM block the node owns, so unallocated addresses go nowhere.</summary>
    Blackhole = 6,
    Unreachable = 7,
    Prohibit = 8,
    Throw = 9,
}
