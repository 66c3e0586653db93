using CniNet.Felix.Calc;
using CniNet.Felix.Policy;
using CniNet.Model.Policy;
using CniNet.Model.Resources;
using Xunit;
using static CniNet.Tests.Property.Policy.PolicyFixtures;

namespace CniNet.Tests.Property.Policy;

/// <summary>
/// A pod inherits its service account's labels under <c>pcsa.</c>, as Calico's profile <c>ksa.&lt;ns&gt;.&lt;sa&gt;</c>
/// applies them: a rule's <c>serviceAccounts.selector</c> matches them, and so does a plain selector on <c>pcsa.*</c>.
/// </summary>
public sealed class ServiceAccountLabelTests
{
    private const string XA = "projectcalico.org/namespace == 'x' && pod == 'a'";

    [Fact]
    public void A_service_accounts_labels_select_the_pods_running_as_it_until_it_is_relabelled()
    {
        var state = RunningAs(Cluster(), "y/b", "web", "role", "frontend")
            .WithGlobalNetworkPolicy(Gnp("frontends-only", "default", null, XA, new Rule
            {
                Action = Rule.ActionAllow,
                Source = new EntityRule { ServiceAccounts = new ServiceAccountMatch { Selector = "role == 'frontend'" } },
            }));

        Assert.Equal(Verdict.Allow, ToXa(state, "y/b"));
        Assert.Equal(Verdict.Deny, ToXa(state, "y/a"));
        Assert.Equal(Verdict.Deny, ToXa(state, "z/b"));

        var relabelled = state.WithServiceAccount("y", "web", [new("role", "backend")]);
        Assert.Equal(Verdict.Deny, ToXa(relabelled, "y/b"));
    }

    [Fact]
    public void A_selector_on_pcsa_labels_matches_the_service_accounts_labels_and_its_name()
    {
        var state = RunningAs(Cluster(), "z/c", "batch", "tier", "jobs")
            .WithGlobalNetworkPolicy(Gnp("jobs", "default", null, XA,
                Allow("pcsa.tier == 'jobs' && pcsa.projectcalico.org/name == 'batch'")));

        Assert.Equal(Verdict.Allow, ToXa(state, "z/c"));
        Assert.Equal(Verdict.Deny, ToXa(state, "z/b"));
        var recreated = state.WithoutNamespace("z").WithNamespace("z", []).WithPod(state.Pod("z/c"));
        Assert.Equal(Verdict.Deny, ToXa(recreated, "z/c"));
    }

    /// <summary><paramref name="pod"/> running as <paramref name="account"/>, an account labelled <paramref name="label"/>=<paramref name="value"/>.</summary>
    private static ClusterState RunningAs(ClusterState state, string pod, string account, string label, string value) =>
        state.WithServiceAccount(pod.Split('/')[0], account, [new(label, value)])
            .WithPod(state.Pod(pod) with { ServiceAccount = account });

    private static Verdict ToXa(ClusterState state, string from) =>
        new PolicyEvaluator(state).Evaluate(state.Pod(from), state.Pod("x/a"), Protocol.Tcp, 80);
}
