using System.Net.Sockets;
using CniNet.Felix.Overlay;
using CniNet.Model.Resources;
using CniNet.Tests.Integration.Bgp;
using Xunit;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// The overlay as a node runs it: the published <c>cninet-node --felix</c> in each of two node namespaces, driven
/// only by the store they share. Nothing in the test programs a route: cross-node pod traffic flows through
/// <c>vxlan.calico</c> once the agents have read the Nodes and blocks, and a Node deleted from the store takes its
/// route out of the other node's kernel.
/// </summary>
public sealed class VxlanAgentTests
{
    [Fact]
    public async Task The_published_agents_carry_pod_traffic_across_nodes_over_vxlan_and_follow_the_store()
    {
        await using var lab = await VxlanLab.StartAsync();
        // Felix holds back the endpoints of a namespace it has not seen, as it does an endpoint whose profile is missing.
        await lab.Store.ApplyAsync("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default");
        using var agentA = new FelixAgentProcess(lab.A.Host, lab.Store.Path, lab.A.Name);
        using var agentB = new FelixAgentProcess(lab.B.Host, lab.Store.Path, lab.B.Name);
        string Output() => $"node-a agent:\n{agentA.Output}\nnode-b agent:\n{agentB.Output}";

        await Eventually.HoldsAsync(() => VxlanLab.Pings(lab.PodA, lab.PodB), "pod-a pings pod-b across the overlay", Output);
        Assert.True(VxlanLab.VxlanCounter(lab.A, "tx_packets") > 0);
        Assert.True(VxlanLab.VxlanCounter(lab.B, "rx_packets") > 0);
        await Eventually.HoldsAsync(agentA.ReadyAsync, "node-a's agent ready", Output);

        await lab.Resources.DeleteAsync(ResourceKinds.Node, lab.B.Name);
        await Eventually.HoldsAsync(
            () => !lab.A.HostNetlink.ListRoutes(AddressFamily.InterNetwork).Any(r => r.Protocol == VxlanOverlay.RouteProtocol),
            "node-b's block route gone from node-a once its Node is deleted", Output);
        Assert.False(VxlanLab.Pings(lab.PodA, lab.PodB));
    }
}
