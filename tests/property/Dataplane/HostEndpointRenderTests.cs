using System.Collections.Immutable;
using System.Net;
using CniNet.Felix.Calc;
using CniNet.Felix.Dataplane;
using CniNet.Felix.Policy;
using CniNet.Model.Policy;
using CniNet.Model.Resources;
using Xunit;
using static CniNet.Tests.Property.Policy.PolicyFixtures;

namespace CniNet.Tests.Property.Dataplane;

/// <summary>What the renderer makes of host endpoints, without a kernel (the traffic tests prove the behaviour).</summary>
public sealed class HostEndpointRenderTests
{
    private static readonly NftDataplaneOptions Options = new() { NodeName = "node1" };
    private static readonly WorkloadInterface[] Local = [new("x/a", "cali0000000x0a")];

    [Fact]
    public void A_host_endpoint_without_policy_accepts_failsafe_ports_then_drops_host_traffic_and_allows_forwarded()
    {
        var ruleset = new RulesetRenderer(Options).Render(Cluster().WithHostEndpoint(Hep("eth0", "node1")), Local);

        var input = ruleset.Chains["fh-eth0"].Rules;
        Assert.Contains("counter jump failsafe-in", input);
        Assert.Equal("counter drop comment \"no profile matched\"", input[^1]);
        Assert.Contains("meta l4proto tcp th dport 22 counter accept", ruleset.Chains["failsafe-in"].Rules);
        Assert.Contains("meta l4proto udp th sport 53 counter accept", ruleset.Chains["raw-failsafe-in"].Rules);
        Assert.Contains("allow forwarded traffic by default", ruleset.Chains["fhfw-eth0"].Rules[^1]);
        Assert.Equal("goto fh-eth0", ruleset.Maps[RulesetRenderer.FromHostMap].Elements["\"eth0\""]);
        Assert.Equal("jump fhfw-eth0", ruleset.Maps[RulesetRenderer.FromHostForwardMap].Elements["\"eth0\""]);
        Assert.Contains("raw-PREROUTING", ruleset.Chains.Keys);
    }

    [Fact]
    public void The_same_host_endpoint_state_again_runs_nothing_and_a_label_change_rewrites_only_that_endpoints_chains()
    {
        var nft = new RecordingNft();
        var dataplane = new NftablesDataplane(nft, Options);
        var policy = Gnp("db-hosts", "default", 1, "role == 'db'", Allow());
        var state = Cluster().WithGlobalNetworkPolicy(policy).WithHostEndpoint(Hep("eth0", "node1")).WithHostEndpoint(Hep("eth1", "node1"));
        nft.Record(() => dataplane.Apply(state, Local));

        Assert.True(nft.Record(() => dataplane.Apply(state, Local)).Unchanged);
        Assert.Empty(nft.Calls[1]);

        var eth1 = Hep("eth1", "node1");
        eth1.Metadata.Labels!["role"] = "db";
        nft.Record(() => dataplane.Apply(state.WithHostEndpoint(eth1), Local));

        var flushed = nft.Lines(2).Where(l => l.StartsWith("flush chain", StringComparison.Ordinal)).ToList();
        // The policy governs ingress only: the egress chain th-eth1 stays as it was.
        Assert.Equal(["flush chain inet calico fh-eth1"], flushed);
    }

    [Fact]
    public void Another_nodes_host_endpoint_is_policed_nowhere_here_but_is_a_selector_member()
    {
        var state = Cluster().WithHostEndpoint(Hep("eth0", "node2"))
            .WithGlobalNetworkPolicy(Gnp("from-hosts", "default", 1, "all()", Allow("host == 'yes'")));

        var ruleset = new RulesetRenderer(Options).Render(state, Local);

        Assert.DoesNotContain(ruleset.Chains.Keys, name => name.StartsWith("fh", StringComparison.Ordinal) || name.StartsWith("raw-", StringComparison.Ordinal));
        Assert.Contains(ruleset.Sets.Values, set => set.Elements.Contains("10.0.0.1"));
    }

    [Fact]
    public void The_all_interfaces_endpoint_catches_what_no_named_endpoint_does_with_normal_and_pre_dnat_chains_only()
    {
        var ruleset = new RulesetRenderer(Options).Render(
            Cluster().WithHostEndpoint(Hep("*", "node1")).WithHostEndpoint(Hep("eth1", "node1")), Local);

        Assert.Equal("counter goto fhall", ruleset.Chains["filter-INPUT"].Rules[^1]);
        Assert.Equal("counter goto mangle-fhall", ruleset.Chains["mangle-PREROUTING"].Rules[^1]);
        Assert.Contains("thall", ruleset.Chains.Keys);
        Assert.DoesNotContain("fhfwall", ruleset.Chains.Keys);
        Assert.DoesNotContain("raw-fhall", ruleset.Chains.Keys);
        Assert.Equal(["\"eth1\""], ruleset.Maps[RulesetRenderer.FromHostMap].Elements.Keys);
    }

    [Fact]
    public void Pre_dnat_and_untracked_policies_police_host_endpoints_only()
    {
        var preDnat = Gnp("pre-dnat", "default", 1, "all()", Deny());
        preDnat.Spec.PreDNAT = preDnat.Spec.ApplyOnForward = true;
        var untracked = Gnp("untracked", "default", 2, "all()", Allow());
        untracked.Spec.DoNotTrack = untracked.Spec.ApplyOnForward = true;
        var state = Cluster().WithHostEndpoint(Hep("eth0", "node1")).WithGlobalNetworkPolicy(preDnat).WithGlobalNetworkPolicy(untracked);

        var ruleset = new RulesetRenderer(Options).Render(state, Local);

        // No policy for the workload: no chain, its interface goes straight to its profile.
        Assert.DoesNotContain("tw-cali0000000x0a", ruleset.Chains.Keys);
        Assert.Equal("goto pri-kns.x", ruleset.Maps[RulesetRenderer.ToWorkloadMap].Elements["\"cali0000000x0a\""]);
        Assert.Contains(ruleset.Chains["mangle-fh-eth0"].Rules, rule => rule.Contains("jump pi-", StringComparison.Ordinal));
        var untrackedChain = Assert.Single(ruleset.Chains["raw-fh-eth0"].Rules, rule => rule.Contains("jump pi-", StringComparison.Ordinal));
        Assert.Contains(ruleset.Chains[untrackedChain.Split(' ')[^1]].Rules, rule => rule.Contains("notrack", StringComparison.Ordinal));
        Assert.DoesNotContain(ruleset.Chains["fh-eth0"].Rules, rule => rule.Contains("jump pi-", StringComparison.Ordinal));
        Assert.Equal(Verdict.Allow, new PolicyEvaluator(state).Evaluate(state.Pod("x/b"), state.Pod("x/a"), Protocol.Tcp, 80));
    }

    [Fact]
    public void A_pre_dnat_policy_with_egress_does_not_compile()
    {
        var preDnat = Gnp("pre-dnat", "default", 1, "all()", Deny());
        preDnat.Spec.PreDNAT = preDnat.Spec.ApplyOnForward = true;
        preDnat.Spec.Types = ["Ingress", "Egress"];

        Assert.Throws<ArgumentException>(() => new PolicyEvaluator(Cluster().WithGlobalNetworkPolicy(preDnat)));
    }

    [Fact]
    public void Profiles_come_after_policy_and_their_labels_select_policies()
    {
        var edge = new Profile
        {
            Metadata = new ObjectMeta { Name = "edge" },
            Spec = new ProfileSpec { Ingress = [Allow()], LabelsToApply = new() { ["role"] = "edge" } },
        };
        var hep = Hep("eth0", "node1");
        hep.Spec.Profiles = ["edge", "missing"];
        var state = Cluster().WithProfile(edge).WithHostEndpoint(hep)
            .WithGlobalNetworkPolicy(Gnp("edges", "default", 1, "role == 'edge'", Deny("pod == 'a'"), Pass()));

        var ruleset = new RulesetRenderer(Options).Render(state, Local);

        var rules = ruleset.Chains["fh-eth0"].Rules;
        var jumps = rules.Select((rule, index) => (rule, index)).Where(r => r.rule.Contains("jump pi-", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, jumps.Count);
        Assert.Contains("end of tier default", rules[jumps[0].index + 2]);
        Assert.Equal($"counter jump {jumps[1].rule.Split(' ')[^1]}", jumps[1].rule);
        Assert.Equal("counter drop comment \"no profile matched\"", rules[^1]);
        Assert.Equal($"counter goto {RuleRenderer.AcceptChain}", Assert.Single(ruleset.Chains[jumps[1].rule.Split(' ')[^1]].Rules));
        Assert.Equal("meta mark set meta mark | 0x00010000 return", Assert.Single(ruleset.Chains[RuleRenderer.AcceptChain].Rules));
    }

    [Fact]
    public void A_host_endpoint_without_an_interface_name_protects_the_interfaces_holding_its_expected_ips()
    {
        var byAddress = new HostEndpoint
        {
            Metadata = new ObjectMeta { Name = "node1-uplink", Labels = new() { ["host"] = "yes" } },
            Spec = new HostEndpointSpec { Node = "node1", ExpectedIPs = ["10.0.0.1", "fd00::1"] },
        };
        var state = Cluster().WithHostEndpoint(byAddress) with
        {
            LocalInterfaces = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, ImmutableArray<IPAddress>>
            {
                ["eth0"] = [IPAddress.Parse("10.0.0.1")],
                ["eth1"] = [IPAddress.Parse("192.168.9.1"), IPAddress.Parse("fd00::1")],
                ["eth2"] = [IPAddress.Parse("10.0.0.2")],
            }),
        };

        var ruleset = new RulesetRenderer(Options).Render(state, Local);

        Assert.Equal(["\"eth0\"", "\"eth1\""], ruleset.Maps[RulesetRenderer.FromHostMap].Elements.Keys);
        Assert.Contains("fh-eth1", ruleset.Chains.Keys);
        Assert.DoesNotContain("fh-eth2", ruleset.Chains.Keys);
        var unplaced = new RulesetRenderer(Options).Render(state with { LocalInterfaces = state.LocalInterfaces.Remove("eth0").Remove("eth1") }, Local);
        Assert.False(unplaced.Maps.ContainsKey(RulesetRenderer.FromHostMap));
    }

    private static HostEndpoint Hep(string iface, string node) =>
        new()
        {
            Metadata = new ObjectMeta { Name = $"{node}-{(iface == "*" ? "all" : iface)}", Labels = new() { ["host"] = "yes" } },
            Spec = new HostEndpointSpec { Node = node, InterfaceName = iface, ExpectedIPs = ["10.0.0.1"] },
        };
}
