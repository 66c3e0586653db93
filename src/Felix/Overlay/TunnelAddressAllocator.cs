using System.Net;
using System.Net.NetworkInformation;
using System.Security.Cryptography;
using CniNet.Datastore;
using CniNet.IpamCore;
using CniNet.Model.Net;
using CniNet.Model.Network;
using CniNet.Model.Resources;

namespace CniNet.Felix.Overlay;

/// <summary>
/// The node's own VTEP, as calico-node's <c>allocateip</c> and Felix set it up: an IPv4 tunnel address from a VXLAN
/// pool through IPAM (handle <c>vxlan-tunnel-addr-&lt;node&gt;</c>, attribute <c>type: vxlanTunnelAddress</c>, intended
/// use Tunnel) and a MAC, both written on the Node at the revision read, again after a lost race.
/// </summary>
public sealed class TunnelAddressAllocator(IpamClient ipam, ResourceClient resources)
{
    public const string AttributeType = "vxlanTunnelAddress";

    private const int WriteAttempts = 10;

    public static string HandleOf(string nodeName) => $"vxlan-tunnel-addr-{nodeName}";

    /// <summary>
    /// Makes sure <paramref name="nodeName"/>'s Node carries a tunnel address its handle holds and a MAC; keeps both
    /// when they are already right, so calling it on every start changes nothing. Returns the Node as stored.
    /// </summary>
    /// <exception cref="InvalidOperationException">The Node does not exist, or no VXLAN pool has room for the address.</exception>
    public async Task<Node> EnsureAsync(string nodeName, CancellationToken ct = default)
    {
        var handle = HandleOf(nodeName);
        for (var attempt = 1; ; attempt++)
        {
            var node = await resources.GetAsync(ResourceKinds.Node, nodeName, ct: ct) as Node
                       ?? throw new InvalidOperationException($"node {nodeName} does not exist: create its Node before its VTEP");
            var pools = (await resources.ListAsync(ResourceKinds.IPPool, ct: ct)).Cast<IPPool>()
                .Where(p => p.Spec.VxlanMode is IPPoolSpec.ModeAlways or IPPoolSpec.ModeCrossSubnet && !p.Spec.Disabled
                            && p.Spec.EffectiveAllowedUses.Contains(IPPoolSpec.UseTunnel))
                .Select(p => Cidr.Parse(p.Spec.Cidr).Masked())
                .Where(c => !c.IsV6)
                .ToList();
            if (pools.Count == 0) return node;

            var address = await HeldAddressAsync(handle, node.Spec.IPv4VXLANTunnelAddr, pools, ct) ?? await AssignAsync(nodeName, handle, pools, ct);
            var mac = PhysicalAddress.TryParse(node.Spec.VxlanTunnelMACAddr, out var stored) && stored.GetAddressBytes().Length == 6 ? stored : RandomMac();
            var addressText = address.ToString();
            var macText = FormatMac(mac);
            if (node.Spec.IPv4VXLANTunnelAddr == addressText && node.Spec.VxlanTunnelMACAddr == macText) return node;
            node.Spec.IPv4VXLANTunnelAddr = addressText;
            node.Spec.VxlanTunnelMACAddr = macText;
            try
            {
                return (Node)await resources.ReplaceAsync(node, ct);
            }
            catch (DatastoreException e) when (e.Code == DatastoreErrorCode.Conflict && attempt < WriteAttempts)
            {
                // Another writer changed the Node since it was read: read it again and redo the check on top.
            }
        }
    }

    /// <summary>Calico's MAC notation: six lower-case hex pairs joined by colons.</summary>
    public static string FormatMac(PhysicalAddress mac) => string.Join(':', mac.GetAddressBytes().Select(b => b.ToString("x2")));

    /// <summary>The address the handle already holds in a VXLAN pool (the Node's own first), so a retry or restart allocates nothing new.</summary>
    private async Task<IPAddress?> HeldAddressAsync(string handle, string? onNode, IReadOnlyList<Cidr> pools, CancellationToken ct)
    {
        var held = (await ipam.IPsByHandleAsync(handle, ct)).Where(a => pools.Any(p => p.Contains(a))).ToList();
        return held.FirstOrDefault(a => a.ToString() == onNode) ?? held.FirstOrDefault();
    }

    private async Task<IPAddress> AssignAsync(string nodeName, string handle, IReadOnlyList<Cidr> pools, CancellationToken ct)
    {
        var (v4, _) = await ipam.AutoAssignAsync(new AutoAssignArgs
        {
            Num4 = 1,
            HandleId = handle,
            Hostname = nodeName,
            IPv4Pools = pools,
            IntendedUse = IPPoolSpec.UseTunnel,
            Attrs = new Dictionary<string, string> { ["node"] = nodeName, ["type"] = AttributeType },
        }, ct);
        return v4.IPs.Count == 1
            ? v4.IPs[0].NetworkAddress
            : throw new InvalidOperationException($"no VXLAN tunnel address for node {nodeName}: {v4.PartialFulfillmentError()}");
    }

    /// <summary>A random unicast, locally administered MAC, as Felix generates one for a VTEP.</summary>
    private static PhysicalAddress RandomMac()
    {
        var bytes = RandomNumberGenerator.GetBytes(6);
        bytes[0] = (byte)((bytes[0] & 0xfe) | 0x02);
        return new PhysicalAddress(bytes);
    }
}
