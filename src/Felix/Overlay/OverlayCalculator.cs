using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using CniNet.Model.Ipam;
using CniNet.Model.Net;
using CniNet.Model.Network;

namespace CniNet.Felix.Overlay;

/// <summary>
/// The VXLAN overlay a node wants, computed from resources alone (Felix's VXLAN resolver and route resolver): which
/// nodes are VTEPs, and for each block another node holds the affinity of, in a pool whose <c>vxlanMode</c> is
/// <c>Always</c> or <c>CrossSubnet</c>, one route. Pure: no datastore, no kernel.
/// </summary>
public static class OverlayCalculator
{
    /// <summary>Calico's affinity prefix of a block held by a host.</summary>
    private const string HostAffinityPrefix = "host:";

    /// <param name="nodeName">This node.</param>
    /// <param name="nodes">Every Calico Node (this one included).</param>
    /// <param name="blocks">Every IPAM block; their affinity says which node a block's addresses live on.</param>
    /// <param name="pools">Every IP pool; a block's pool gives its <c>vxlanMode</c>.</param>
    public static OverlayPlan Plan(string nodeName, IEnumerable<Node> nodes, IEnumerable<IPAMBlock> blocks, IEnumerable<IPPool> pools)
    {
        var nodeList = nodes.ToList();
        var vxlanPools = pools
            .Select(p => (Mode: p.Spec.VxlanMode, Cidr: Cidr.TryParse(p.Spec.Cidr, out var c, out _) ? c.Masked() : (Cidr?)null))
            .Where(p => p.Cidr is { IsV6: false } && p.Mode is IPPoolSpec.ModeAlways or IPPoolSpec.ModeCrossSubnet)
            .Select(p => (Mode: p.Mode!, Cidr: p.Cidr!.Value))
            .ToList();
        if (vxlanPools.Count == 0 || nodeList.FirstOrDefault(n => n.Metadata.Name == nodeName) is not { } self || VtepOf(self) is not { } local)
            return OverlayPlan.Empty;
        // The kernel holds one ARP entry per address and one FDB destination per MAC: a VTEP repeating an earlier
        // one's (a misconfiguration) is left out rather than fought over.
        var vteps = new Dictionary<string, Vtep>(StringComparer.Ordinal) { [nodeName] = local };
        var addresses = new HashSet<IPAddress> { local.TunnelAddress };
        var macs = new HashSet<PhysicalAddress> { local.Mac };
        foreach (var vtep in nodeList.Where(n => n.Metadata.Name != nodeName).Select(VtepOf).OfType<Vtep>().OrderBy(v => v.Node, StringComparer.Ordinal))
        {
            if (addresses.Contains(vtep.TunnelAddress) || macs.Contains(vtep.Mac)) continue;
            addresses.Add(vtep.TunnelAddress);
            macs.Add(vtep.Mac);
            vteps.Add(vtep.Node, vtep);
        }

        var routes = new List<OverlayRoute>();
        foreach (var block in blocks)
        {
            if (block.Spec.Deleted || block.Spec.Affinity is not { } affinity || !affinity.StartsWith(HostAffinityPrefix, StringComparison.Ordinal)) continue;
            var owner = affinity[HostAffinityPrefix.Length..];
            if (owner == nodeName || !Cidr.TryParse(block.Spec.Cidr, out var cidr, out _) || cidr.IsV6) continue;
            var pool = vxlanPools.FirstOrDefault(p => p.Cidr.Contains(cidr));
            if (pool.Mode is null || !vteps.TryGetValue(owner, out var remote)) continue;
            var direct = pool.Mode == IPPoolSpec.ModeCrossSubnet && local.NodeSubnet.Masked().Contains(remote.NodeAddress);
            routes.Add(direct
                ? new OverlayRoute(cidr.Masked(), owner, remote.NodeAddress, Encapsulated: false)
                : new OverlayRoute(cidr.Masked(), owner, remote.TunnelAddress, Encapsulated: true));
        }

        var remotes = vteps.Values.Where(v => v.Node != nodeName).OrderBy(v => v.Node, StringComparer.Ordinal).ToList();
        return new OverlayPlan(
            local,
            remotes,
            [.. routes.OrderBy(r => r.Block)],
            [.. remotes.Select(v => v.NodeAddress).Distinct()]);
    }

    /// <summary>
    /// A node's VTEP, or null until it has all of a tunnel address, a MAC and an IPv4 underlay address (Felix programs
    /// nothing for a node it cannot reach).
    /// </summary>
    public static Vtep? VtepOf(Node node)
    {
        var spec = node.Spec;
        if (!IPAddress.TryParse(spec.IPv4VXLANTunnelAddr, out var tunnel) || tunnel.AddressFamily != AddressFamily.InterNetwork) return null;
        if (!PhysicalAddress.TryParse(spec.VxlanTunnelMACAddr, out var mac) || mac.GetAddressBytes().Length != 6) return null;
        if (!Cidr.TryParse(spec.Bgp?.IPv4Address, out var subnet, out _) || subnet.IsV6) return null;
        return new Vtep(node.Metadata.Name, tunnel, mac, subnet);
    }
}
