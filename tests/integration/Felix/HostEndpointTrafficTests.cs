using CniNet.Felix.Calc;
using CniNet.Model.Policy;
using CniNet.Model.Resources;
using Xunit;
using static CniNet.Tests.Integration.Felix.HostEndpointNode;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// Host endpoints in the nftables dataplane, with real TCP from client namespaces through the node's host interfaces:
/// failsafe ports ahead of policy, normal host policy on the host's own traffic, pre-DNAT policy seeing the address
/// before kube-proxy-style DNAT, applyOnForward policy on forwarded traffic (and only then), and untracked policy
/// whose allow needs both directions. Every test applies its whole state to the one dataplane, so batches are
/// incremental from whatever the previous test left.
/// </summary>
public sealed class HostEndpointTrafficTests(HostEndpointNode node) : IClassFixture<HostEndpointNode>
{
    private const string Uplinks = "hep == 'uplink'";

    private static readonly System.Net.IPAddress NodeA = EthAddress(60, 1);
    private static readonly System.Net.IPAddress NodeB = EthAddress(61, 1);

    [Fact]
    public async Task A_deny_all_host_policy_drops_a_host_port_but_failsafe_ssh_still_connects()
    {
        node.Apply(Cluster().WithoutHostEndpoint($"{HostEndpointNode.NodeName}-eth0"));
        Assert.True(await ConnectsAsync(node.ClientA, NodeA, 8080), "without a host endpoint the host port is open");

        node.Apply(Cluster().WithGlobalNetworkPolicy(Policy("deny-all-host", new Rule { Action = Rule.ActionDeny })));

        Assert.False(await ConnectsAsync(node.ClientA, NodeA, 8080));
        Assert.True(await ConnectsAsync(node.ClientA, NodeA, 22));
        Assert.True(await ConnectsAsync(node.ClientA, PodIp, 80), "normal host policy does not apply to forwarded traffic");
    }

    [Fact]
    public async Task A_host_endpoint_without_policy_denies_all_but_failsafe_ports()
    {
        node.Apply(Cluster());

        Assert.False(await ConnectsAsync(node.ClientA, NodeA, 8080));
        Assert.True(await ConnectsAsync(node.ClientA, NodeA, 22));
        Assert.True(await ConnectsAsync(node.ClientA, PodIp, 80), "forwarded traffic is not affected by a host endpoint");
    }

    [Fact]
    public async Task Removing_every_host_endpoint_removes_their_hooks_and_opens_the_host_again()
    {
        node.Apply(Cluster());
        Assert.False(await ConnectsAsync(node.ClientA, NodeA, 8080));

        node.Apply(Cluster().WithoutHostEndpoint($"{HostEndpointNode.NodeName}-eth0").WithoutHostEndpoint($"{HostEndpointNode.NodeName}-eth1"));

        Assert.True(await ConnectsAsync(node.ClientA, NodeA, 8080));
        Assert.DoesNotContain("raw-PREROUTING", CorpusTraffic.ListTable(node.Node));
    }

    [Fact]
    public async Task Emptied_failsafe_ports_leave_ssh_to_policy()
    {
        node.Apply(Cluster() with { FailsafeInbound = [] });

        Assert.False(await ConnectsAsync(node.ClientA, NodeA, 22));
    }

    [Fact]
    public async Task A_host_policy_allowing_one_port_opens_only_that_port()
    {
        node.Apply(Cluster().WithGlobalNetworkPolicy(Policy("allow-8080", AllowTcp(8080))));

        Assert.True(await ConnectsAsync(node.ClientA, NodeA, 8080));
        Assert.False(await ConnectsAsync(node.ClientA, NodeA, 8081));
        Assert.True(await ConnectsAsync(node.ClientA, NodeA, 22));
    }

    [Fact]
    public async Task A_pre_dnat_policy_denies_one_source_on_the_translated_port_before_dnat()
    {
        node.Apply(Cluster());
        Assert.True(await ConnectsAsync(node.ClientA, NodeA, DnatPort), "the DNAT rule leads to the pod");
        Assert.True(await ConnectsAsync(node.ClientB, NodeB, DnatPort));

        var preDnat = Policy("pre-dnat-deny-a", new Rule
        {
            Action = Rule.ActionDeny,
            Protocol = Protocol.Tcp,
            Source = new EntityRule { Nets = ["192.168.60.0/24"] },
            Destination = new EntityRule { Ports = [Port.Single(DnatPort)] },
        });
        preDnat.Spec.PreDNAT = true;
        preDnat.Spec.ApplyOnForward = true;
        node.Apply(Cluster().WithGlobalNetworkPolicy(preDnat));

        Assert.False(await ConnectsAsync(node.ClientA, NodeA, DnatPort));
        Assert.True(await ConnectsAsync(node.ClientB, NodeB, DnatPort));
        // The same packets after DNAT go to port 80: the policy only saw them before.
        Assert.True(await ConnectsAsync(node.ClientA, PodIp, 80));
    }

    [Fact]
    public async Task An_apply_on_forward_deny_drops_forwarded_traffic_to_a_pod_and_passes_without_it()
    {
        var forward = Policy("forward-deny", new Rule { Action = Rule.ActionDeny });
        forward.Spec.ApplyOnForward = true;
        node.Apply(Cluster().WithGlobalNetworkPolicy(forward));

        Assert.False(await ConnectsAsync(node.ClientA, PodIp, 80));
        Assert.True(await ConnectsAsync(node.ClientA, NodeA, 22));

        node.Apply(Cluster());

        Assert.True(await ConnectsAsync(node.ClientA, PodIp, 80));
    }

    [Fact]
    public async Task An_untracked_allow_admits_a_port_normal_policy_denies_only_with_rules_for_both_directions()
    {
        var denyAll = Policy("deny-all-host", new Rule { Action = Rule.ActionDeny });
        var ingressOnly = Untracked(ingress: AllowTcp(8080), egress: null);
        node.Apply(Cluster().WithGlobalNetworkPolicy(denyAll).WithGlobalNetworkPolicy(ingressOnly));

        // The SYN skips conntrack; the SYN-ACK, with no untracked rule of its own, is no reply of a known flow.
        Assert.False(await ConnectsAsync(node.ClientA, NodeA, 8080));

        var both = Untracked(ingress: AllowTcp(8080),
            egress: new Rule { Action = Rule.ActionAllow, Protocol = Protocol.Tcp, Source = new EntityRule { Ports = [Port.Single(8080)] } });
        node.Apply(Cluster().WithGlobalNetworkPolicy(denyAll).WithGlobalNetworkPolicy(both));

        Assert.True(await ConnectsAsync(node.ClientA, NodeA, 8080));
        Assert.False(await ConnectsAsync(node.ClientA, NodeA, 8081));
    }

    [Fact]
    public async Task An_all_interfaces_host_endpoint_polices_the_host_on_every_interface_but_not_forwarded_traffic()
    {
        var state = Cluster()
            .WithoutHostEndpoint($"{HostEndpointNode.NodeName}-eth0")
            .WithoutHostEndpoint($"{HostEndpointNode.NodeName}-eth1")
            .WithHostEndpoint(HostEndpoint("*", NodeA))
            .WithGlobalNetworkPolicy(Policy("allow-8080", AllowTcp(8080)));
        node.Apply(state);

        Assert.True(await ConnectsAsync(node.ClientA, NodeA, 8080));
        Assert.False(await ConnectsAsync(node.ClientB, NodeB, 8081));
        Assert.True(await ConnectsAsync(node.ClientB, NodeB, 22));
        Assert.True(await ConnectsAsync(node.ClientA, PodIp, 80));
    }

    [Fact]
    public async Task A_host_endpoint_profile_decides_what_no_policy_does()
    {
        var profile = new Profile
        {
            Metadata = new ObjectMeta { Name = "allow-8081" },
            Spec = new ProfileSpec { Ingress = [AllowTcp(8081)], Egress = [new Rule { Action = Rule.ActionAllow }] },
        };
        node.Apply(Cluster().WithProfile(profile).WithHostEndpoint(HostEndpoint("eth0", NodeA, "allow-8081")));

        Assert.True(await ConnectsAsync(node.ClientA, NodeA, 8081));
        Assert.False(await ConnectsAsync(node.ClientA, NodeA, 8080));
    }

    private static GlobalNetworkPolicy Policy(string name, Rule ingress) =>
        new()
        {
            Metadata = new ObjectMeta { Name = name },
            Spec = new GlobalNetworkPolicySpec { Order = 10, Selector = Uplinks, Types = ["Ingress"], Ingress = [ingress] },
        };

    private static GlobalNetworkPolicy Untracked(Rule ingress, Rule? egress) =>
        new()
        {
            Metadata = new ObjectMeta { Name = "untracked-8080" },
            Spec = new GlobalNetworkPolicySpec
            {
                Order = 5,
                Selector = Uplinks,
                DoNotTrack = true,
                ApplyOnForward = true,
                Types = egress is null ? ["Ingress"] : ["Ingress", "Egress"],
                Ingress = [ingress],
                Egress = egress is null ? null : [egress],
            },
        };

    private static Rule AllowTcp(ushort port) =>
        new() { Action = Rule.ActionAllow, Protocol = Protocol.Tcp, Destination = new EntityRule { Ports = [Port.Single(port)] } };
}
