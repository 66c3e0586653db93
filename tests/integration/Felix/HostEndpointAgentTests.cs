using CniNet.Tests.Integration.Bgp;
using Xunit;
using static CniNet.Tests.Integration.Felix.HostEndpointNode;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// Host endpoints as a node runs them: the published <c>cninet-node --felix</c> in a <see cref="HostEndpointNode"/>,
/// driven only by HostEndpoint, GlobalNetworkPolicy and FelixConfiguration resources written to its store, with real
/// TCP from the client behind <c>eth0</c>.
/// </summary>
public sealed class HostEndpointAgentTests
{
    private static readonly System.Net.IPAddress NodeA = EthAddress(60, 1);

    [Fact]
    public async Task The_agent_polices_a_stored_host_endpoint_keeps_failsafe_ssh_open_and_follows_felix_configuration()
    {
        using var node = new HostEndpointNode();
        await using var store = new TestStore();
        using var agent = new FelixAgentProcess(node.Node.Host, store.Path, NodeName);
        Assert.True(await ConnectsAsync(node.ClientA, NodeA, 8080), "no host endpoint yet: the host port is open");

        await store.ApplyAsync($$$"""
            apiVersion: projectcalico.org/v3
            kind: HostEndpoint
            metadata: {name: {{{NodeName}}}-eth0, labels: {hep: uplink}}
            spec: {node: {{{NodeName}}}, interfaceName: eth0, expectedIPs: ["{{{NodeA}}}"]}
            ---
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: deny-all-host}
            spec: {selector: "hep == 'uplink'", types: [Ingress], ingress: [{action: Deny}]}
            """);
        await Eventually.HoldsAsync(async () => !await ConnectsAsync(node.ClientA, NodeA, 8080), "the deny-all host policy drops 8080", () => agent.Output);
        Assert.True(await ConnectsAsync(node.ClientA, NodeA, 22), "failsafe SSH stays open under a deny-all host policy");

        await store.ApplyAsync("""
            apiVersion: projectcalico.org/v3
            kind: FelixConfiguration
            metadata: {name: default}
            spec: {failsafeInboundHostPorts: []}
            """);
        await Eventually.HoldsAsync(async () => !await ConnectsAsync(node.ClientA, NodeA, 22), "no failsafe ports: SSH falls to the policy", () => agent.Output);
    }

    [Fact]
    public async Task A_host_endpoint_named_by_expected_ip_polices_whichever_interface_holds_that_address()
    {
        using var node = new HostEndpointNode();
        await using var store = new TestStore();
        using var agent = new FelixAgentProcess(node.Node.Host, store.Path, NodeName);
        var moving = EthAddress(60, 7);
        await store.ApplyAsync($$$"""
            apiVersion: projectcalico.org/v3
            kind: HostEndpoint
            metadata: {name: {{{NodeName}}}-uplink, labels: {hep: uplink}}
            spec: {node: {{{NodeName}}}, expectedIPs: ["{{{moving}}}"]}
            ---
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: deny-all-host}
            spec: {selector: "hep == 'uplink'", types: [Ingress], ingress: [{action: Deny}]}
            """);
        await Eventually.HoldsAsync(agent.ReadyAsync, "the agent is ready", () => agent.Output);
        await Eventually.HoldsAsync(async () => await agent.MetricAsync("felix_cluster_num_policies") == 1, "the agent applied the policy", () => agent.Output);
        Assert.True(await ConnectsAsync(node.ClientA, NodeA, 8080), "no interface holds the expected IP: nothing is policed");

        var eth0 = node.Node.HostNetlink.GetLink("eth0")!.Index;
        node.Node.HostNetlink.AddAddress(eth0, moving, 24);
        await Eventually.HoldsAsync(async () => !await ConnectsAsync(node.ClientA, NodeA, 8080), "eth0 gained the address: the deny-all host policy drops 8080", () => agent.Output);
        Assert.True(await ConnectsAsync(node.ClientA, NodeA, 22), "failsafe SSH stays open");

        node.Node.HostNetlink.DeleteAddress(eth0, moving, 24);
        await Eventually.HoldsAsync(() => ConnectsAsync(node.ClientA, NodeA, 8080), "the address left eth0: 8080 is open again", () => agent.Output);
    }
}
