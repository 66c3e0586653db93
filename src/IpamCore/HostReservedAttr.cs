namespace CniNet.IpamCore;

/// <summary>
/// Ordinals set aside at the start and end of every new block, as Calico does for Windows nodes (3 + 1: network,
/// gateway/VXLAN tunnel, host endpoint, broadcast). They belong to <see cref="Handle"/> but never count on it.
/// </summary>
public sealed record HostReservedAttr(int StartOfBlock, int EndOfBlock, string Handle, string Note)
{
    public const string WindowsHandle = "windows-reserved-ipam-handle";

    public static HostReservedAttr Windows { get; } = new(3, 1, WindowsHandle, "windows host rsvd");
}
