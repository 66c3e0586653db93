using CniNet.Model.Net;
using CniNet.Model.Network;
using CniNet.Model.Selectors;

namespace CniNet.IpamCore;

/// <summary>An IPPool with its parsed CIDR, effective block size and compiled selectors.</summary>
public sealed record PoolInfo(IPPool Pool, Cidr Cidr, int BlockSize, Selector NodeSelector, Selector? NamespaceSelector)
{
    public string Name => Pool.Metadata.Name;

    public bool IsEnabled => !Pool.Spec.Disabled && Pool.Metadata.DeletionTimestamp is null;

    /// <summary>The pool's parsed form, or null when it cannot be used (validation refuses such pools on write).</summary>
    public static PoolInfo? From(IPPool pool)
    {
        if (!Cidr.TryParse(pool.Spec.Cidr, out var cidr, out _)) return null;
        var blockSize = pool.Spec.BlockSize > 0 ? pool.Spec.BlockSize : IPPoolSpec.DefaultBlockSize(cidr.IsV6);
        Selector? nodeSelector = Selector.All, namespaceSelector = null;
        if (!string.IsNullOrWhiteSpace(pool.Spec.NodeSelector) && !Selector.TryParse(pool.Spec.NodeSelector, out nodeSelector, out _)) return null;
        if (!string.IsNullOrWhiteSpace(pool.Spec.NamespaceSelector) && !Selector.TryParse(pool.Spec.NamespaceSelector, out namespaceSelector, out _)) return null;
        return new PoolInfo(pool, cidr.Masked(), blockSize, nodeSelector!, namespaceSelector);
    }
}

/// <summary>Calico's pool choice for an automatic assignment (enabled pools, explicit requests, selectors, uses).</summary>
public static class PoolSelection
{
    /// <summary>Usable pools of one family in preference order: by name, as a Kubernetes list returns them.</summary>
    public static List<PoolInfo> Enabled(IEnumerable<PoolInfo> pools, bool v6) =>
        pools.Where(p => p.Cidr.IsV6 == v6 && p.IsEnabled)
            .OrderBy(p => p.Name, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Explicitly requested pools are used as given (selectors ignored, manual pools allowed); otherwise automatic
    /// pools whose node and namespace selectors both match.
    /// </summary>
    public static List<PoolInfo> Determine(IReadOnlyList<PoolInfo> enabled, IReadOnlyList<Cidr>? requested,
        IReadOnlyDictionary<string, string>? nodeLabels, IReadOnlyDictionary<string, string>? namespaceLabels, string host)
    {
        if (requested is { Count: > 0 })
        {
            var chosen = new List<PoolInfo>();
            foreach (var cidr in requested)
            {
                chosen.Add(enabled.FirstOrDefault(p => p.Cidr == cidr.Masked())
                           ?? throw new IpamException(IpamErrorCode.PoolNotFound, $"the given pool ({cidr}) does not exist, or is not enabled"));
            }
            return chosen;
        }
        var matching = enabled.Where(p => !p.Pool.Spec.IsManual
                                          && p.NodeSelector.Matches(nodeLabels)
                                          && (p.NamespaceSelector?.Matches(namespaceLabels) ?? true)).ToList();
        if (matching.Count == 0)
            throw new IpamException(IpamErrorCode.NoQualifiedPool, $"no configured Calico pools for node {host}");
        return matching;
    }

    public static List<PoolInfo> FilterByUse(IReadOnlyList<PoolInfo> pools, string use)
    {
        var allowed = pools.Where(p => p.Pool.Spec.EffectiveAllowedUses.Contains(use)).ToList();
        if (allowed.Count == 0)
            throw new IpamException(IpamErrorCode.NoQualifiedPool, $"cannot find a qualified ippool: no pool allows use {use}");
        return allowed;
    }
}
