using System.Net;
using System.Net.NetworkInformation;
using CniNet.Datastore;
using CniNet.Felix.Overlay;
using CniNet.Model.Network;
using CniNet.Model.Resources;
using Xunit;

namespace CniNet.Tests.Integration.Felix;

/// <summary>A node's VTEP address and MAC, allocated through IPAM and written on its Node in a real store file.</summary>
public sealed class TunnelAddressAllocatorTests
{
    [Fact]
    public async Task The_tunnel_address_comes_from_the_vxlan_pool_under_calicos_handle_and_stays_on_later_calls()
    {
        await using var store = new TestStore();
        await store.ApplyAsync(Yaml.Pool("workloads", "10.70.0.0/16") + Yaml.Pool("vxlan", "10.66.0.0/16", extra: "  vxlanMode: Always") + Yaml.Node("node-a"));
        var ipam = store.Ipam();
        var allocator = new TunnelAddressAllocator(ipam, new ResourceClient(store.Store));

        var node = await allocator.EnsureAsync("node-a");
        var again = await allocator.EnsureAsync("node-a");

        var address = IPAddress.Parse(node.Spec.IPv4VXLANTunnelAddr!);
        Assert.StartsWith("10.66.", address.ToString());
        Assert.Equal([address], await ipam.IPsByHandleAsync("vxlan-tunnel-addr-node-a"));
        var (attribute, _, _) = (await ipam.GetAssignmentAttributesAsync(address))!.Value;
        Assert.Equal("vxlan-tunnel-addr-node-a", attribute.HandleId);
        Assert.Equal(new Dictionary<string, string> { ["node"] = "node-a", ["type"] = "vxlanTunnelAddress" }, attribute.Secondary);
        var mac = PhysicalAddress.Parse(node.Spec.VxlanTunnelMACAddr!).GetAddressBytes();
        Assert.Equal(0x02, mac[0] & 0x03);
        Assert.Equal(TunnelAddressAllocator.FormatMac(new PhysicalAddress(mac)), node.Spec.VxlanTunnelMACAddr);
        Assert.Equal(
            (node.Metadata.ResourceVersion, node.Spec.IPv4VXLANTunnelAddr, node.Spec.VxlanTunnelMACAddr),
            (again.Metadata.ResourceVersion, again.Spec.IPv4VXLANTunnelAddr, again.Spec.VxlanTunnelMACAddr));
    }

    [Fact]
    public async Task An_address_the_handle_already_holds_is_written_again_rather_than_a_second_one_allocated()
    {
        await using var store = new TestStore();
        await store.ApplyAsync(Yaml.Pool("vxlan", "10.66.0.0/16", extra: "  vxlanMode: CrossSubnet") + Yaml.Node("node-a"));
        var ipam = store.Ipam();
        var resources = new ResourceClient(store.Store);
        var first = await new TunnelAddressAllocator(ipam, resources).EnsureAsync("node-a");
        // As after a crash between the allocation and the Node write, or an operator clearing the field.
        first.Spec.IPv4VXLANTunnelAddr = null;
        await resources.ReplaceAsync(first);

        var repaired = await new TunnelAddressAllocator(ipam, resources).EnsureAsync("node-a");

        Assert.Equal(first.Spec.VxlanTunnelMACAddr, repaired.Spec.VxlanTunnelMACAddr);
        Assert.Equal([IPAddress.Parse(repaired.Spec.IPv4VXLANTunnelAddr!)], await ipam.IPsByHandleAsync("vxlan-tunnel-addr-node-a"));
    }
}
