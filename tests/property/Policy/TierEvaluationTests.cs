using CniNet.Felix.Calc;
using CniNet.Felix.Policy;
using CniNet.Model.Policy;
using Xunit;
using static CniNet.Tests.Property.Policy.PolicyFixtures;

namespace CniNet.Tests.Property.Policy;

public sealed class TierEvaluationTests
{
    private const string XA = "projectcalico.org/namespace == 'x' && pod == 'a'";

    private static Verdict ToXa(ClusterState state, string from) =>
        new PolicyEvaluator(state).Evaluate(state.Pod(from), state.Pod("x/a"), Protocol.Tcp, 80);

    [Fact]
    public void No_policy_leaves_the_namespace_profile_to_allow()
    {
        Assert.Equal(Verdict.Allow, ToXa(Cluster(), "z/c"));
    }

    [Fact]
    public void Pass_skips_the_rest_of_the_tier_and_the_next_tier_decides()
    {
        var state = Cluster()
            .WithTier(Tier("security", 100))
            .WithGlobalNetworkPolicy(Gnp("pass-y", "security", 1, XA,
                Pass("projectcalico.org/namespace == 'y'"),
                Allow()))
            .WithGlobalNetworkPolicy(Gnp("only-a", "default", null, XA, Allow("pod == 'a'")));

        Assert.Equal(Verdict.Allow, ToXa(state, "z/b"));
        Assert.Equal(Verdict.Allow, ToXa(state, "y/a"));
        Assert.Equal(Verdict.Deny, ToXa(state, "y/b"));
    }

    [Fact]
    public void Tier_that_selects_but_does_not_decide_ends_in_deny_and_later_tiers_are_not_consulted()
    {
        var state = Cluster()
            .WithTier(Tier("security", 100))
            .WithGlobalNetworkPolicy(Gnp("x-only", "security", null, XA,
                Allow("projectcalico.org/namespace == 'x'")))
            .WithGlobalNetworkPolicy(Gnp("allow-all", "default", null, XA, Allow()));

        Assert.Equal(Verdict.Allow, ToXa(state, "x/b"));
        Assert.Equal(Verdict.Deny, ToXa(state, "y/b"));
    }

    [Fact]
    public void Tier_defaultAction_Pass_falls_through_to_the_profile()
    {
        var state = Cluster()
            .WithTier(Tier("security", 100, defaultAction: "Pass"))
            .WithGlobalNetworkPolicy(Gnp("x-only", "security", null, XA,
                Allow("projectcalico.org/namespace == 'x'")));

        Assert.Equal(Verdict.Allow, ToXa(state, "y/b"));
    }

    [Fact]
    public void Equal_order_is_broken_by_name_and_Log_carries_on()
    {
        var state = Cluster()
            .WithGlobalNetworkPolicy(Gnp("b-allow", "default", 5, XA, Allow()))
            .WithGlobalNetworkPolicy(Gnp("a-deny", "default", 5, XA,
                Log(),
                Deny("projectcalico.org/namespace == 'z'")));

        Assert.Equal(Verdict.Deny, ToXa(state, "z/a"));
        Assert.Equal(Verdict.Allow, ToXa(state, "y/a"));
    }

    [Fact]
    public void Egress_only_policy_does_not_make_a_tier_exist_for_ingress()
    {
        var egressOnly = Gnp("egress-only", "default", null, XA);
        egressOnly.Spec.Ingress = null;
        egressOnly.Spec.Egress = [Deny()];
        var state = Cluster().WithGlobalNetworkPolicy(egressOnly);
        var evaluator = new PolicyEvaluator(state);

        Assert.Equal(Verdict.Allow, evaluator.Evaluate(state.Pod("y/a"), state.Pod("x/a"), Protocol.Tcp, 80));
        Assert.Equal(Verdict.Deny, evaluator.Evaluate(state.Pod("x/a"), state.Pod("y/a"), Protocol.Tcp, 80));
    }

    [Fact]
    public void Namespace_selector_rewrite_maps_all_and_global_onto_the_namespace_label()
    {
        static string Rewrite(string text) =>
            Model.Selectors.Selector.Parse(text).ToNamespaceSelector("pcns.", "projectcalico.org/namespace").ToString();

        Assert.Equal("has(projectcalico.org/namespace)", Rewrite("all()"));
        Assert.Equal("!has(projectcalico.org/namespace)", Rewrite("global()"));
        Assert.Equal("(pcns.ns == \"y\" || !has(projectcalico.org/namespace))", Rewrite("ns == 'y' || global()"));
        Assert.Equal("pcsa.team in {\"a\", \"b\"}", Model.Selectors.Selector.Parse("team in {'b', 'a'}").AttachPrefix("pcsa.").ToString());
    }
}
