namespace CniNet.Linux;

/// <summary>Interface address flags (linux/if_addr.h IFA_F_*); values above a byte travel in IFA_FLAGS.</summary>
[Flags]
public enum AddressFlags : uint
{
    None = 0,
    Secondary = 0x01,

    /// <summary>Skip IPv6 duplicate address detection, so the address is usable at once (as for pod addresses).</summary>
    NoDad = 0x02,
    Optimistic = 0x04,
    DadFailed = 0x08,
    HomeAddress = 0x10,
    Deprecated = 0x20,
    Tentative = 0x40,

    /// <summary>Set by the kernel on every address added by user space (as opposed to autoconfigured ones).</summary>
    Permanent = 0x80,
    ManageTempAddress = 0x100,

    /// <summary>Do not add the prefix route the kernel otherwise derives from the address and prefix length.</summary>
    NoPrefixRoute = 0x200,
    McAutoJoin = 0x400,
    StablePrivacy = 0x800,
}
