namespace CniNet.Linux;

/// <summary>A neighbour entry's state (linux/neighbour.h NUD_*), as ndm_state carries it.</summary>
[Flags]
public enum NeighbourState : ushort
{
    None = 0,
    Incomplete = 0x01,
    Reachable = 0x02,
    Stale = 0x04,
    Delay = 0x08,
    Probe = 0x10,
    Failed = 0x20,

    /// <summary>A device that needs no resolution (point-to-point, loopback).</summary>
    NoArp = 0x40,

    /// <summary>Set from user space and never aged out or re-resolved: Felix's VTEP ARP and FDB entries.</summary>
    Permanent = 0x80,
}
