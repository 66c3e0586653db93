using CniNet.Felix.Dataplane;
using Xunit;
using static CniNet.Tests.Property.Policy.PolicyFixtures;

namespace CniNet.Tests.Property.Dataplane;

/// <summary>
/// The shape of a workload's chains, without a kernel (the policy corpus' traffic tests prove the verdicts): the pass
/// bit is tested only after a policy that may set it, a tier nothing can pass ends the chain in one conditional drop,
/// and a direction no policy governs has no chain at all.
/// </summary>
public sealed class WorkloadChainShapeTests
{
    private static readonly WorkloadInterface[] Local = [new("x/a", "cali0000000x0a")];

    [Fact]
    public void A_tier_nothing_can_pass_ends_the_chain_in_one_drop_that_an_accepted_packet_skips()
    {
        var state = Cluster()
            .WithGlobalNetworkPolicy(Gnp("first", "default", 1, "pod == 'a'", Allow("pod == 'b'")))
            .WithGlobalNetworkPolicy(Gnp("second", "default", 2, "pod == 'a'", Deny("pod == 'c'")));

        var ruleset = new RulesetRenderer(new NftDataplaneOptions()).Render(state, Local);

        var rules = ruleset.Chains["tw-cali0000000x0a"].Rules;
        Assert.Equal(4, rules.Length);
        Assert.Matches("^counter jump pi-[0-9a-f]{16}$", rules[0]);
        Assert.Equal("meta mark & 0x00010000 != 0 return", rules[1]);
        Assert.Matches("^counter jump pi-[0-9a-f]{16}$", rules[2]);
        Assert.Equal("meta mark & 0x00010000 == 0 counter drop comment \"end of tier default\"", rules[3]);
        // Egress has no policy: the interface goes straight to the namespace's profile.
        Assert.DoesNotContain("fw-cali0000000x0a", ruleset.Chains.Keys);
        Assert.Equal("goto pro-kns.x", ruleset.Maps[RulesetRenderer.FromWorkloadMap].Elements["\"cali0000000x0a\""]);
        // An Allow goes to the shared chain that sets the accept bit and returns.
        Assert.Contains(ruleset.Chains[rules[0].Split(' ')[^1]].Rules, rule => rule.EndsWith($"counter goto {RuleRenderer.AcceptChain}", StringComparison.Ordinal));
    }

    [Fact]
    public void After_a_policy_that_may_pass_the_pass_bit_is_tested_and_cleared_before_the_next_tier()
    {
        var state = Cluster()
            .WithTier(Tier("security", 10))
            .WithGlobalNetworkPolicy(Gnp("plain", "security", 1, "pod == 'a'", Deny("pod == 'c'")))
            .WithGlobalNetworkPolicy(Gnp("delegate", "security", 2, "pod == 'a'", Pass("pod == 'b'")))
            .WithGlobalNetworkPolicy(Gnp("app", "default", 1, "pod == 'a'", Allow("pod == 'b'")));

        var ruleset = new RulesetRenderer(new NftDataplaneOptions()).Render(state, Local);

        var rules = ruleset.Chains["tw-cali0000000x0a"].Rules;
        Assert.Equal(
        [
            "counter jump",
            "meta mark & 0x00010000 != 0 return",
            "counter jump",
            "meta mark & 0x00010000 != 0 return",
            "meta mark & 0x00020000 == 0 counter drop comment \"end of tier security\"",
            "meta mark set meta mark & 0xfffdffff",
            "counter jump",
            "meta mark & 0x00010000 == 0 counter drop comment \"end of tier default\"",
        ], rules.Select(rule => rule.StartsWith("counter jump pi-", StringComparison.Ordinal) ? "counter jump" : rule));
    }
}
