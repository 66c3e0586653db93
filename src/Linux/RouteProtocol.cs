namespace CniNet.Linux;

/// <summary>
/// Who installed a route (rtm_protocol, linux/rtnetlink.h RTPROT_*). The kernel only stores the byte; daemons use
/// it to recognise their own routes (see /etc/iproute2/rt_protos), so any value is allowed.
/// </summary>
public static class RouteProtocol
{
    public const byte Unspecified = 0;
    public const byte Redirect = 1;

    /// <summary>Routes the kernel derived itself, e.g. the prefix route of an address.</summary>
    public const byte Kernel = 2;

    /// <summary>The default for routes added from user space, and what Calico's CNI plugin uses.</summary>
    public const byte Boot = 3;
    public const byte Static = 4;
}
