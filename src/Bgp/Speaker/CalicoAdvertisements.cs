using System.Globalization;
using CniNet.Bgp.Wire;
using CniNet.IpamCore;
using CniNet.Model.Bgp;
using CniNet.Model.Ipam;
using CniNet.Model.Kubernetes;
using CniNet.Model.Net;
using CniNet.Model.Network;

namespace CniNet.Bgp.Speaker;

/// <summary>
/// What a node originates, as confd renders it for BIRD (<c>bird_aggr.cfg</c>, <c>bird_ipam.cfg</c>): its confirmed
/// blocks (each with a blackhole in the kernel), /32s and /128s of addresses it borrowed from other nodes' blocks, the
/// service CIDRs of the BGPConfiguration, and a /32 or /128 per external or load balancer IP of each
/// <c>externalTrafficPolicy: Local</c> Service with a ready endpoint on this node (confd's route generator); nothing
/// inside a pool with <c>disableBGPExport</c>. And the communities <c>prefixAdvertisements</c> attach to them.
/// </summary>
/// <param name="Blackholes">Prefixes that get a blackhole route in the kernel: the node's blocks, exported or not.</param>
/// <param name="Exported">Prefixes advertised to peers.</param>
/// <param name="Communities">Per CIDR, the communities routes inside it carry, in the BGPConfiguration's order.</param>
public sealed record CalicoAdvertisements(HashSet<Cidr> Blackholes, HashSet<Cidr> Exported, IReadOnlyList<(Cidr Cidr, IReadOnlyList<uint> Standard, IReadOnlyList<LargeCommunity> Large)> Communities)
{
    public static CalicoAdvertisements Of(string node, IEnumerable<BlockAffinity> affinities, IEnumerable<IPPool> pools, IEnumerable<IPAMBlock> blocks,
        BGPConfigurationSpec? cluster, IEnumerable<Service> services, IEnumerable<EndpointSlice> slices)
    {
        var silent = pools.Where(p => p.Spec.DisableBGPExport).Select(p => Parse(p.Spec.Cidr)).OfType<Cidr>().ToList();
        bool Exportable(Cidr c) => !silent.Any(s => s.Contains(c));
        // Calico gives pending affinities no export clause.
        var own = affinities
            .Where(a => a.Spec.Node == node && a.Spec.IsConfirmed && a.Spec.Deleted != "true" && a.Spec.Type is null or "" or "host")
            .Select(a => Parse(a.Spec.Cidr))
            .OfType<Cidr>()
            .ToHashSet();
        var exported = own.Where(Exportable).ToHashSet();
        // An address of another node's block given to a pod here: calico_export_to_bgp_peers accepts it, being inside an enabled pool.
        foreach (var block in blocks.Where(b => !b.Spec.Deleted).Select(b => IpamBlock.FromSpec(b.Spec)).Where(b => b.AffinityHost != node))
        {
            foreach (var (ordinal, owner) in block.Allocations())
            {
                if (owner.ReleasedAt is not null || owner.Secondary?.GetValueOrDefault("node") != node) continue;
                var host = Cidr.Host(block.Cidr.AddressAt((UInt128)ordinal));
                if (Exportable(host)) exported.Add(host);
            }
        }
        foreach (var service in (cluster?.ServiceClusterIPs ?? []).Concat(cluster?.ServiceExternalIPs ?? []).Concat(cluster?.ServiceLoadBalancerIPs ?? []))
            if (Parse(service.Cidr) is { } cidr) exported.Add(cidr);
        exported.UnionWith(LocalServiceHosts(node, cluster, services, slices));
        return new CalicoAdvertisements(own, exported, CommunitiesOf(cluster));
    }

    /// <summary>
    /// The host routes that draw a Local Service's external traffic to the nodes that can take it: each of its external
    /// IPs inside <c>serviceExternalIPs</c> and load balancer IPs inside <c>serviceLoadBalancerIPs</c>, when an
    /// endpoint of it on <paramref name="node"/> is ready.
    /// </summary>
    private static IEnumerable<Cidr> LocalServiceHosts(string node, BGPConfigurationSpec? cluster, IEnumerable<Service> services, IEnumerable<EndpointSlice> slices)
    {
        var external = (cluster?.ServiceExternalIPs ?? []).Select(b => Parse(b.Cidr)).OfType<Cidr>().ToList();
        var loadBalancer = (cluster?.ServiceLoadBalancerIPs ?? []).Select(b => Parse(b.Cidr)).OfType<Cidr>().ToList();
        if (external.Count == 0 && loadBalancer.Count == 0) return [];
        var served = slices.Where(s => s.ServiceName is not null && s.HasReadyEndpointOn(node)).Select(s => (s.Metadata.Namespace, s.ServiceName)).ToHashSet();
        var hosts = new List<Cidr>();
        foreach (var service in services.Where(s => s.IsExternalTrafficLocal && served.Contains((s.Metadata.Namespace, s.Metadata.Name))))
        {
            var lbIps = service.Status?.LoadBalancer?.Ingress?.Select(i => i.Ip) ?? [];
            foreach (var (addresses, ranges) in new[] { (service.Spec.ExternalIPs ?? [], external), (lbIps, loadBalancer) })
            {
                foreach (var text in addresses)
                {
                    if (System.Net.IPAddress.TryParse(text, out var address) && Cidr.Host(address) is var host && ranges.Any(r => r.Contains(host)))
                        hosts.Add(host);
                }
            }
        }
        return hosts;
    }

    /// <summary>The communities of every <c>prefixAdvertisements</c> entry whose CIDR holds <paramref name="prefix"/>, in order (confd renders each as <c>if (net ~ CIDR) then bgp_community.add(...)</c>).</summary>
    public (IReadOnlyList<uint> Standard, IReadOnlyList<LargeCommunity> Large) CommunitiesFor(Cidr prefix)
    {
        if (Communities.Count == 0) return ([], []);
        var standard = new List<uint>();
        var large = new List<LargeCommunity>();
        foreach (var (cidr, s, l) in Communities)
        {
            if (!cidr.Contains(prefix)) continue;
            standard.AddRange(s.Except(standard));
            large.AddRange(l.Except(large));
        }
        return (standard, large);
    }

    private static IReadOnlyList<(Cidr, IReadOnlyList<uint>, IReadOnlyList<LargeCommunity>)> CommunitiesOf(BGPConfigurationSpec? cluster)
    {
        var named = (cluster?.Communities ?? []).ToDictionary(c => c.Name, c => c.Value);
        var result = new List<(Cidr, IReadOnlyList<uint>, IReadOnlyList<LargeCommunity>)>();
        foreach (var advertisement in cluster?.PrefixAdvertisements ?? [])
        {
            if (Parse(advertisement.Cidr) is not { } cidr) continue;
            var standard = new List<uint>();
            var large = new List<LargeCommunity>();
            foreach (var value in (advertisement.Communities ?? []).Select(c => named.GetValueOrDefault(c, c)))
            {
                var parts = value.Split(':');
                var numbers = parts.Select(p => uint.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : (uint?)null).ToList();
                if (numbers.Any(n => n is null)) continue;
                if (numbers.Count == 2 && numbers[0] <= ushort.MaxValue && numbers[1] <= ushort.MaxValue) standard.Add(numbers[0]!.Value << 16 | numbers[1]!.Value);
                else if (numbers.Count == 3) large.Add(new LargeCommunity(numbers[0]!.Value, numbers[1]!.Value, numbers[2]!.Value));
            }
            result.Add((cidr, standard, large));
        }
        return result;
    }

    private static Cidr? Parse(string text) => Cidr.TryParse(text, out var cidr, out _) ? cidr.Masked() : null;
}
