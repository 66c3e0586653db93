using System.Net;
using System.Net.NetworkInformation;
using CniNet.Model.Net;

namespace CniNet.Felix.Overlay;

/// <summary>
/// A node's VXLAN tunnel endpoint as its Node resource declares it: the tunnel address on its <c>vxlan.calico</c>,
/// that device's MAC, and the underlay address encapsulated packets for it are sent to.
/// </summary>
/// <param name="Node">The Calico node name.</param>
/// <param name="TunnelAddress"><c>spec.ipv4VXLANTunnelAddr</c>, allocated from IPAM with handle <c>vxlan-tunnel-addr-&lt;node&gt;</c>.</param>
/// <param name="Mac"><c>spec.vxlanTunnelMACAddr</c>.</param>
/// <param name="NodeSubnet">The node's address with its subnet (<c>spec.bgp.ipv4Address</c>, e.g. 172.31.0.2/24).</param>
public sealed record Vtep(string Node, IPAddress TunnelAddress, PhysicalAddress Mac, Cidr NodeSubnet)
{
    /// <summary>The node's underlay address: the outer destination of packets for this VTEP.</summary>
    public IPAddress NodeAddress => NodeSubnet.NetworkAddress;
}
