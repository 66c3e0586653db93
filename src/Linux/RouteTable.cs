namespace CniNet.Linux;

/// <summary>Well-known routing table ids (linux/rtnetlink.h RT_TABLE_*); user tables are 1 to 2^32-1 except these.</summary>
public static class RouteTable
{
    /// <summary>The table <c>ip route</c> shows; where pod and tunnel routes go.</summary>
    public const uint Main = 254;

    /// <summary>Local and broadcast addresses, maintained by the kernel.</summary>
    public const uint Local = 255;
    public const uint Default = 253;
}
