using CniNet.Felix.Calc;
using CniNet.Felix.Corpus;
using CniNet.Felix.Dataplane;
using Xunit;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// <see cref="NetlinkNft"/> against nft's own engine: the same scripts leave the same ruleset in two namespaces.
/// </summary>
public sealed class NetlinkNftTests
{
    /// <summary>Every form of the grammar at least once, including nft's implicit dependencies and merges.</summary>
    private const string EveryForm = """
        add table inet t
        delete table inet t
        add table inet t
        add set inet t s4-a { type ipv4_addr; flags interval; }
        add element inet t s4-a { 10.0.0.0/24, 10.1.0.5, 10.2.0.0/20 }
        add set inet t s6-a { type ipv6_addr; flags interval; }
        add element inet t s6-a { fd00::/64, fd01::5 }
        add set inet t n4-a { type ipv4_addr . inet_proto . inet_service; }
        add element inet t n4-a { 10.0.0.1 . 6 . 80, 10.0.0.2 . 17 . 53 }
        add set inet t n6-a { type ipv6_addr . inet_proto . inet_service; }
        add element inet t n6-a { fd00::1 . 6 . 80 }
        add set inet t plain { type ipv4_addr; }
        add element inet t plain { 10.9.0.1, 10.9.0.2 }
        add map inet t to-wl { type ifname : verdict; }
        add chain inet t filter-PREROUTING { type filter hook prerouting priority filter; policy accept; }
        add chain inet t mangle-PREROUTING { type filter hook prerouting priority mangle; policy accept; }
        add chain inet t raw-OUTPUT { type filter hook output priority raw; policy accept; }
        add chain inet t filter-FORWARD { type filter hook forward priority filter; policy accept; }
        add chain inet t filter-INPUT { type filter hook input priority filter; policy accept; }
        add chain inet t filter-POSTROUTING { type filter hook postrouting priority filter; policy accept; }
        add chain inet t tw-cali1
        add chain inet t pi-x
        add chain inet t to-wl-dispatch
        add rule inet t filter-PREROUTING iifname "cali*" counter jump to-wl-dispatch
        add rule inet t filter-FORWARD iifname "eth0" counter accept
        add rule inet t to-wl-dispatch oifname vmap @to-wl
        add rule inet t to-wl-dispatch counter drop comment "unknown workload interface"
        add rule inet t tw-cali1 ct state established,related accept
        add rule inet t tw-cali1 ct state invalid counter drop
        add rule inet t tw-cali1 meta mark set meta mark & 0xfffcffff
        add rule inet t tw-cali1 meta mark & 0x00020000 == 0 counter jump pi-x
        add rule inet t tw-cali1 meta mark & 0x00010000 != 0 return
        add rule inet t tw-cali1 meta mark & 0x00020000 == 0 counter drop comment "end of tier default"
        add rule inet t pi-x meta nfproto ipv4 meta l4proto 6 ip saddr @s4-a th dport { 80, 90-100 } counter meta mark set meta mark | 0x00010000 return
        add rule inet t pi-x meta nfproto ipv6 meta l4proto 6 ip6 saddr != @s6-a th dport 80 counter drop
        add rule inet t pi-x meta nfproto ipv4 ip saddr { 10.0.0.0/8, 192.168.1.1 } ip daddr != 10.2.0.0/16 counter log prefix "calico-packet: "
        add rule inet t pi-x meta nfproto ipv4 ip saddr { 0.0.0.0/1, 128.0.0.0/1 } ip daddr 10.2.0.0/20 counter accept
        add rule inet t pi-x meta nfproto ipv4 ip daddr != { 10.0.0.0/8, 255.255.255.255 } ip saddr 0.0.0.0/0 counter accept
        add rule inet t pi-x meta nfproto ipv6 ip6 daddr { fd00::/64, fd01::1 } ip6 saddr fd00::/56 counter drop
        add rule inet t pi-x meta nfproto ipv4 meta l4proto 1 icmp type 8 icmp code 0 counter drop
        add rule inet t pi-x meta nfproto ipv4 meta l4proto 1 icmp type 8 counter drop
        add rule inet t pi-x meta nfproto ipv4 meta l4proto 1 icmp type != 8 counter drop
        add rule inet t pi-x meta nfproto ipv4 meta l4proto 1 icmp type . icmp code != { 8 . 0 } counter drop
        add rule inet t pi-x meta nfproto ipv6 meta l4proto 58 icmpv6 type 128 icmpv6 code 0 counter drop
        add rule inet t pi-x meta nfproto ipv6 meta l4proto 58 icmpv6 type . icmpv6 code != { 128 . 0 } counter drop
        add rule inet t pi-x meta l4proto != 17 th sport != { 1-5, 7 } counter drop
        add rule inet t pi-x meta l4proto 6 th dport != 1000-2000 counter drop
        add rule inet t pi-x meta l4proto 6 th dport 1000-2000 counter drop
        add rule inet t pi-x meta l4proto 6 th sport 80 th dport 90 counter drop
        add rule inet t pi-x meta l4proto 6 th dport != 22 counter drop
        add rule inet t pi-x meta l4proto { 6, 17, 132 } th dport 53 counter drop
        add rule inet t pi-x meta nfproto ipv4 ip saddr . meta l4proto . th dport @n4-a counter notrack meta mark set meta mark | 0x00010000 return
        add rule inet t pi-x meta nfproto ipv4 ip saddr . meta l4proto . th dport != @n4-a counter drop
        add rule inet t pi-x meta nfproto ipv6 ip6 daddr . meta l4proto . th sport @n6-a counter drop
        add rule inet t pi-x meta l4proto tcp th dport 22 counter accept
        add rule inet t pi-x ip saddr 10.0.0.0/8 meta l4proto udp th sport 53 counter accept
        add rule inet t pi-x udp dport 4789 ip saddr != @plain counter drop
        add rule inet t pi-x meta nfproto ipv6 ip6 saddr fd00::/64 meta l4proto 6 th dport 22 counter accept
        add rule inet t pi-x meta nfproto ipv4 ip saddr 10.0.0.1 ip daddr 10.0.0.2 counter accept
        add rule inet t pi-x counter meta mark set meta mark | 0x00020000 return
        add element inet t to-wl { "cali1" : goto tw-cali1 }
        """;

    [Fact]
    public void Every_form_of_the_grammar_loads_as_nft_loads_it()
    {
        using var twin = new NftTwin();

        Assert.True(twin.Run(EveryForm).Succeeded);

        twin.AssertSameRuleset();
    }

    [Fact]
    public void Every_rule_form_of_the_renderers_and_each_change_to_it_load_as_nft_loads_them()
    {
        using var twin = new NftTwin();
        var dataplane = new NftablesDataplane(twin, new NftDataplaneOptions { NodeName = RuleFormsCluster.NodeName });
        var state = RuleFormsCluster.State();

        Apply(dataplane, state);
        twin.AssertSameRuleset();
        foreach (var changed in RuleFormsCluster.Changes(state))
        {
            var result = Apply(dataplane, changed);
            Assert.False(result.FullRewrite);
            twin.AssertSameRuleset();
        }
        Assert.True(dataplane.Resync().Succeeded);
        twin.AssertSameRuleset();
    }

    [Fact]
    public void The_policy_corpus_step_by_step_on_one_dataplane_loads_as_nft_loads_it()
    {
        using var twin = new NftTwin();
        var dataplane = new NftablesDataplane(twin);
        var steps = 0;
        foreach (var testCase in NetpolCorpus.File.Cases)
        {
            foreach (var state in NetpolCaseRunner.StepStates(testCase))
            {
                Apply(dataplane, state);
                steps++;
            }
            // Every case's last step is compared; the dataplane goes on incrementally into the next case.
            twin.AssertSameRuleset();
        }
        Assert.True(steps > 200, $"only {steps} steps");
    }

    [Fact]
    public async Task Through_netlink_batches_an_allowed_connection_connects_and_a_denied_one_does_not()
    {
        using var node = PolicyNode.WithNetlinkNft();
        var fromB = NftFailureTests.OnlyFrom("pod == 'b'");
        Assert.True(node.Dataplane.Apply(fromB, node.Endpoints(fromB)).Succeeded);

        Assert.Equal((true, false), await NftFailureTests.ReachXaAsync(node, fromB));

        // An incremental batch (one policy chain flushed and rewritten) turns the verdicts round.
        var fromYa = NftFailureTests.OnlyFrom("projectcalico.org/namespace == 'y'");
        var changed = node.Dataplane.Apply(fromYa, node.Endpoints(fromYa));
        Assert.True(changed.Succeeded && !changed.FullRewrite, changed.Error);

        Assert.Equal((false, true), await NftFailureTests.ReachXaAsync(node, fromYa));
    }

    [Fact]
    public async Task A_batch_the_kernel_refuses_names_the_line_and_errno_and_leaves_the_ruleset_in_force()
    {
        using var node = PolicyNode.WithNetlinkNft();
        var state = NftFailureTests.OnlyFrom("pod == 'b'");
        Assert.True(node.Dataplane.Apply(state, node.Endpoints(state)).Succeeded);
        // Stateless (-s): counters move with whatever the pods send meanwhile (router solicitations).
        var before = Linux.TestNamespaces.Exec(node.Host, "nft", "-s", "list", "ruleset").Stdout;

        var run = node.Nft.Run("add chain inet calico new-chain\nadd rule inet calico new-chain counter accept\n" +
            "flush chain inet calico filter-PREROUTING\nadd rule inet calico new-chain counter jump missing-chain\n");

        Assert.False(run.Succeeded);
        Assert.Contains("line 4: add rule inet calico new-chain counter jump missing-chain", run.Error);
        Assert.Contains("ENOENT", run.Error);
        Assert.Equal(before, Linux.TestNamespaces.Exec(node.Host, "nft", "-s", "list", "ruleset").Stdout);
        Assert.Equal((true, false), await NftFailureTests.ReachXaAsync(node, state));
    }

    [Fact]
    public void Text_outside_the_grammar_is_refused_with_the_text_and_nothing_is_sent()
    {
        using var node = PolicyNode.WithNetlinkNft();

        var run = node.Nft.Run("add table inet calico\nadd chain inet calico c\nadd rule inet calico c tcp flags syn counter drop\n");

        Assert.False(run.Succeeded);
        Assert.Contains("line 3", run.Error);
        Assert.Contains("tcp flags syn counter drop", run.Error);
        Assert.DoesNotContain("calico", Linux.TestNamespaces.Exec(node.Host, "nft", "list", "tables").Stdout);
    }

    private static NftApplyResult Apply(NftablesDataplane dataplane, ClusterState state)
    {
        var result = dataplane.Apply(state, RuleFormsCluster.Interfaces(state));
        Assert.True(result.Succeeded, result.Error);
        return result;
    }
}
