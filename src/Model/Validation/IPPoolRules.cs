using CniNet.Model.Net;
using CniNet.Model.Network;

namespace CniNet.Model.Validation;

/// <summary>Calico's IPPool rules: CIDR form and size, block size, encapsulation, uses, selectors, overlap, immutability.</summary>
public static class IPPoolRules
{
    private static readonly string[] Modes = [IPPoolSpec.ModeNever, IPPoolSpec.ModeAlways, IPPoolSpec.ModeCrossSubnet];
    private static readonly string[] Uses = [IPPoolSpec.UseWorkload, IPPoolSpec.UseTunnel, IPPoolSpec.UseLoadBalancer];

    public static void Validate(IPPoolSpec spec, List<string> problems)
    {
        if (!Cidr.TryParse(spec.Cidr, out var cidr, out var error))
        {
            problems.Add($"spec.cidr: {error}");
            return;
        }
        if (!spec.Cidr.Contains('/')) problems.Add($"spec.cidr \"{spec.Cidr}\" needs a prefix length");
        if (!cidr.IsMasked) problems.Add($"spec.cidr {spec.Cidr} is not a network address; the network is {cidr.Masked()}");
        if (cidr.Overlaps(cidr.IsV6 ? Cidr.LinkLocalV6 : Cidr.LinkLocalV4))
            problems.Add($"spec.cidr {spec.Cidr} overlaps the link-local range {(cidr.IsV6 ? Cidr.LinkLocalV6 : Cidr.LinkLocalV4)}");
        var (min, max) = cidr.IsV6 ? (116, 128) : (20, 32);
        if (spec.BlockSize != 0 && (spec.BlockSize < min || spec.BlockSize > max))
            problems.Add($"spec.blockSize {spec.BlockSize} must be {min}-{max} for IPv{cidr.Family}");
        var blockSize = spec.BlockSize != 0 ? spec.BlockSize : IPPoolSpec.DefaultBlockSize(cidr.IsV6);
        if (cidr.PrefixLength > blockSize && !spec.Disabled)
            problems.Add($"spec.cidr {spec.Cidr} is smaller than one /{blockSize} block; use a larger pool or a smaller blockSize");
        CheckMode("spec.ipipMode", spec.IpipMode, problems);
        CheckMode("spec.vxlanMode", spec.VxlanMode, problems);
        var ipip = spec.IpipMode is { } i && i != IPPoolSpec.ModeNever;
        var vxlan = spec.VxlanMode is { } v && v != IPPoolSpec.ModeNever;
        if (ipip && vxlan) problems.Add("spec.ipipMode and spec.vxlanMode cannot both be enabled");
        if (ipip && cidr.IsV6) problems.Add("spec.ipipMode is not supported on IPv6 pools");
        var uses = spec.AllowedUses ?? [];
        foreach (var use in uses.Where(u => !Uses.Contains(u))) problems.Add($"spec.allowedUses: unknown use \"{use}\" (Workload, Tunnel or LoadBalancer)");
        if (uses.Contains(IPPoolSpec.UseLoadBalancer))
        {
            if (uses.Any(u => u != IPPoolSpec.UseLoadBalancer)) problems.Add("spec.allowedUses: LoadBalancer cannot be combined with Workload or Tunnel");
            if (ipip || vxlan) problems.Add("a LoadBalancer pool cannot use IPIP or VXLAN");
            if (spec.NodeSelector is { } ns && !string.IsNullOrWhiteSpace(ns) && ns.Trim() != "all()") problems.Add("a LoadBalancer pool's nodeSelector must be all()");
            if (spec.DisableBGPExport) problems.Add("a LoadBalancer pool cannot disable BGP export");
        }
        if (spec.AssignmentMode is { } mode && mode != IPPoolSpec.AssignmentAutomatic && mode != IPPoolSpec.AssignmentManual)
            problems.Add($"spec.assignmentMode must be Automatic or Manual, not \"{mode}\"");
        if (ResourceValidator.CheckSelector("spec.nodeSelector", spec.NodeSelector, problems) is { UsesGlobal: true })
            problems.Add("spec.nodeSelector cannot use global()");
        if (ResourceValidator.CheckSelector("spec.namespaceSelector", spec.NamespaceSelector, problems) is { } nsSelector)
        {
            if (nsSelector.UsesGlobal) problems.Add("spec.namespaceSelector cannot use global()");
            if (uses.Contains(IPPoolSpec.UseTunnel)) problems.Add("spec.namespaceSelector is not allowed on a pool used for Tunnel addresses");
        }
    }

    /// <summary>Rules against the pools already stored: no overlap, and CIDR and block size never change.</summary>
    public static IReadOnlyList<string> CheckAgainst(IPPool pool, IPPool? existing, IEnumerable<IPPool> others)
    {
        var problems = new List<string>();
        if (!Cidr.TryParse(pool.Spec.Cidr, out var cidr, out _)) return problems;
        if (existing is not null)
        {
            if (Cidr.TryParse(existing.Spec.Cidr, out var old, out _) && old.Masked() != cidr.Masked())
                problems.Add($"spec.cidr cannot change (it is {existing.Spec.Cidr})");
            if (Normalised(existing.Spec.BlockSize, old) != Normalised(pool.Spec.BlockSize, cidr))
                problems.Add($"spec.blockSize cannot change (it is {Normalised(existing.Spec.BlockSize, old)})");
        }
        foreach (var other in others.Where(o => o.Metadata.Name != pool.Metadata.Name))
        {
            if (Cidr.TryParse(other.Spec.Cidr, out var theirs, out _) && theirs.Overlaps(cidr))
                problems.Add($"spec.cidr {pool.Spec.Cidr} overlaps IPPool \"{other.Metadata.Name}\" ({other.Spec.Cidr})");
        }
        return problems;
    }

    private static int Normalised(int blockSize, Cidr cidr) => blockSize != 0 ? blockSize : IPPoolSpec.DefaultBlockSize(cidr.IsV6);

    private static void CheckMode(string field, string? mode, List<string> problems)
    {
        if (mode is not null && mode.Length > 0 && !Modes.Contains(mode)) problems.Add($"{field} must be Never, Always or CrossSubnet, not \"{mode}\"");
    }
}
