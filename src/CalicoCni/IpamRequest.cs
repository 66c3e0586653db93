using System.Globalization;
using System.Net;
using CniNet.Cni;
using CniNet.Datastore;
using CniNet.IpamCore;
using CniNet.Model.Net;
using CniNet.Model.Network;
using CniNet.Model.Resources;

namespace CniNet.CalicoCni;

/// <summary>
/// What calico-ipam is asked for, from the netconf's <c>ipam</c> section, possibly overridden by pod and namespace
/// annotations: how many addresses of each family and from which pools (names or CIDRs).
/// </summary>
public sealed record IpamRequest(bool V4, bool V6, IReadOnlyList<string>? V4Pools, IReadOnlyList<string>? V6Pools)
{
    public static IpamRequest FromNetConf(IpamConf ipam) =>
        new(ipam.AssignIpv4 != "false", ipam.AssignIpv6 == "true", ipam.Ipv4Pools, ipam.Ipv6Pools);

    /// <summary>Calico's owner attributes: node and timestamp always, pod and namespace for Kubernetes pods.</summary>
    public static Dictionary<string, string> Attributes(CalicoInvocation inv)
    {
        var attrs = new Dictionary<string, string>
        {
            ["node"] = inv.Node,
            ["timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + " +0000 UTC",
        };
        if (inv.IsKubernetes)
        {
            attrs["namespace"] = inv.Namespace;
            attrs["pod"] = inv.Pod;
        }
        return attrs;
    }

    /// <summary>The assignment arguments, with pool names and CIDRs resolved against the stored pools.</summary>
    public AutoAssignArgs ToArgs(CalicoInvocation inv, IReadOnlyList<KvEntry> storedPools, IReadOnlyDictionary<string, string>? namespaceLabels) => new()
    {
        Num4 = V4 ? 1 : 0,
        Num6 = V6 ? 1 : 0,
        HandleId = inv.HandleId,
        Attrs = Attributes(inv),
        Hostname = inv.Node,
        IPv4Pools = Resolve(V4Pools, storedPools, v6: false),
        IPv6Pools = Resolve(V6Pools, storedPools, v6: true),
        Namespace = inv.IsKubernetes ? inv.Namespace : null,
        NamespaceLabels = namespaceLabels ?? new Dictionary<string, string>(),
    };

    private static List<Cidr>? Resolve(IReadOnlyList<string>? requested, IReadOnlyList<KvEntry> storedPools, bool v6)
    {
        if (requested is null || requested.Count == 0) return null;
        var pools = storedPools.Select(e => ResourceCodec.Decode<IPPool>(ResourceKinds.IPPool, e)).ToList();
        var result = new List<Cidr>();
        foreach (var entry in requested)
        {
            var pool = Cidr.TryParse(entry, out var cidr, out _)
                ? pools.FirstOrDefault(p => Cidr.TryParse(p.Spec.Cidr, out var c, out _) && c == cidr)
                : pools.FirstOrDefault(p => p.Metadata.Name == entry);
            if (pool is null || !Cidr.TryParse(pool.Spec.Cidr, out var poolCidr, out _))
                throw new CniException(CniErrorCode.InvalidNetworkConfig, $"the given pool ({entry}) does not exist");
            if (poolCidr.IsV6 != v6)
                throw new CniException(CniErrorCode.InvalidNetworkConfig, $"the given pool ({entry}) is not an IPv{(v6 ? 6 : 4)} pool");
            result.Add(poolCidr);
        }
        return result;
    }

    /// <summary>
    /// Fails when a requested family got nothing, after giving back what the other family got (Calico's dual-stack
    /// cleanup), so a failed ADD holds no address.
    /// </summary>
    public static async Task<IReadOnlyList<Cidr>> RequireAllAsync(IpamClient ipam, string handleId, IpamAssignments v4, IpamAssignments v6)
    {
        var shortfall = v4.PartialFulfillmentError() is { } e4 ? $"failed to request IPv4 addresses: {e4}"
            : v6.PartialFulfillmentError() is { } e6 ? $"failed to request IPv6 addresses: {e6}"
            : null;
        if (shortfall is null) return [.. v4.IPs, .. v6.IPs];
        await ipam.ReleaseByHandleAsync(handleId);
        throw new CniException(CniErrorCode.AddressUnavailable, shortfall);
    }

    /// <summary>calico-ipam's result: block-masked addresses, and a route per address covering its block.</summary>
    public static CniResult Result(IEnumerable<Cidr> assigned)
    {
        var list = assigned.ToList();
        return new CniResult([],
            list.Select(c => new CniIPConfig(new IPPrefix(c.NetworkAddress, c.PrefixLength))).ToList(),
            list.Select(c => new CniRoute(new IPPrefix(c.NetworkAddress, c.PrefixLength).Network())).Distinct().ToList(),
            null);
    }

    public static IPAddress ParseAddress(string text, string source) =>
        IPAddress.TryParse(text, out var ip) ? ip : throw new CniException(CniErrorCode.InvalidNetworkConfig, $"{source}: \"{text}\" is not an IP address");
}
