
namespace CniNet.Model.Ipam;

/// <summary>Calico's rules for IPAM settings: the CRD bounds plus the library's cross-field checks.</summary>
public static class IpamConfigRules
{
    public static IReadOnlyList<string> Validate(IPAMConfigSpec spec)
    {
        var problems = new List<string>();
        if (!spec.StrictAffinity && !spec.AutoAllocateBlocks)
            problems.Add("autoAllocateBlocks cannot be false while strictAffinity is false: nodes could neither claim nor borrow addresses");
        if (spec.MaxBlocksPerHost < 0 || spec.MaxBlocksPerHost > 1_000_000)
            problems.Add($"maxBlocksPerHost must be 0-1000000, not {spec.MaxBlocksPerHost}");
        else if (spec.MaxBlocksPerHost > 0 && !spec.StrictAffinity)
            problems.Add("maxBlocksPerHost can only be set together with strictAffinity: true");
        if (spec.IpCooldownSeconds < 0 || spec.IpCooldownSeconds > IPAMConfigSpec.MaxIpCooldownSeconds)
            problems.Add($"ipCooldownSeconds must be 0-{IPAMConfigSpec.MaxIpCooldownSeconds}, not {spec.IpCooldownSeconds}");
        if (spec.KubeVirtVMAddressPersistence is not (null or "Enabled" or "Disabled"))
            problems.Add($"kubeVirtVMAddressPersistence must be Enabled or Disabled, not {spec.KubeVirtVMAddressPersistence}");
        return problems;
    }

    public static bool Same(IPAMConfigSpec a, IPAMConfigSpec b) =>
        a.StrictAffinity == b.StrictAffinity && a.AutoAllocateBlocks == b.AutoAllocateBlocks && a.MaxBlocksPerHost == b.MaxBlocksPerHost
        && a.KubeVirtVMAddressPersistence == b.KubeVirtVMAddressPersistence && a.IpCooldownSeconds == b.IpCooldownSeconds;

    /// <summary>The block cap the allocator applies: the smaller of request and global when both are set, 20 when neither is.</summary>
    public static int EffectiveMaxBlocks(int requested, int global) =>
        (requested, global) switch
        {
            ( > 0, > 0) => Math.Min(requested, global),
            (_, > 0) => global,
            ( > 0, _) => requested,
            _ => IPAMConfigSpec.ImplicitMaxBlocksPerHost,
        };
}
