using System.Net.NetworkInformation;

namespace CniNet.Linux;

/// <summary>One network interface as RTM_GETLINK reports it, in the namespace of the socket that asked.</summary>
public sealed record LinkInfo
{
    /// <summary>The ifindex, unique only within its network namespace.</summary>
    public required int Index { get; init; }

    public required string Name { get; init; }

    /// <summary>The hardware address (IFLA_ADDRESS); null for devices without one.</summary>
    public PhysicalAddress? Mac { get; init; }

    public int Mtu { get; init; }

    /// <summary>Administratively up (IFF_UP); the carrier may still be down, see <see cref="OperState"/>.</summary>
    public bool IsUp { get; init; }

    public LinkOperState OperState { get; init; }

    /// <summary>The driver kind from IFLA_LINKINFO (<c>veth</c>, <c>vxlan</c>, <c>bridge</c>); null for physical devices and loopback.</summary>
    public string? Kind { get; init; }

    /// <summary>
    /// IFLA_LINK: for a veth the peer's ifindex (in the peer's namespace, which may not be this one); for a VLAN or
    /// VXLAN device its parent. Null when the kernel sends none (it omits it when equal to <see cref="Index"/>).
    /// </summary>
    public int? LinkIndex { get; init; }

    /// <summary>The device's VXLAN settings when <see cref="Kind"/> is <c>vxlan</c>.</summary>
    public VxlanSettings? Vxlan { get; init; }
}
