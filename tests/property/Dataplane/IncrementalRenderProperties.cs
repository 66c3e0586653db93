using CniNet.Felix.Calc;
using CniNet.Felix.Dataplane;
using CniNet.Model.Policy;
using CniNet.Model.Resources;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using static CniNet.Tests.Property.Policy.PolicyFixtures;

namespace CniNet.Tests.Property.Dataplane;

/// <summary>
/// The renderer keeps compiled policies, selections, chains and set members between rounds; whatever the sequence of
/// changes, what it holds after them must be exactly what a fresh renderer makes of the final state.
/// </summary>
public sealed class IncrementalRenderProperties
{
    private static readonly string[] Pods = ["x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"];
    private static readonly string[] Selectors = ["pod == 'a'", "pod in {'b', 'c'}", "has(role)", "role == 'db'", "all()", "!has(pod)"];

    [Fact]
    public void Incremental_rounds_end_in_what_a_fresh_render_of_the_last_state_gives() =>
        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(200),
            Prop.ForAll(
                Gen.Choose(0, 999).ArrayOf().Select(ops => ops.Take(25).ToArray()).ToArbitrary(),
                ops =>
                {
                    var incremental = new RulesetRenderer(new NftDataplaneOptions());
                    var state = Cluster().WithTier(Tier("security", 10));
                    var local = Pods.Take(5).ToHashSet();
                    incremental.Render(state, Interfaces(local));
                    foreach (var op in ops)
                    {
                        (state, local) = Change(state, local, op);
                        incremental.Render(state, Interfaces(local));
                    }
                    var kept = incremental.Render(state, Interfaces(local));
                    var fresh = new RulesetRenderer(new NftDataplaneOptions()).Render(state, Interfaces(local));
                    Assert.Equal(NftTransaction.Between("calico", null, fresh).Script, NftTransaction.Between("calico", null, kept).Script);
                }));

    private static WorkloadInterface[] Interfaces(HashSet<string> local) =>
        [.. local.Order(StringComparer.Ordinal).Select(key => new WorkloadInterface(key, $"cali{key.Replace('/', '0')}"))];

    private static (ClusterState, HashSet<string>) Change(ClusterState state, HashSet<string> local, int op)
    {
        var pick = op / 10;
        switch (op % 10)
        {
            case 0 or 1 or 2:
                return (state.WithGlobalNetworkPolicy(Policy(pick)), local);
            case 3:
                var name = $"p{pick % 4}";
                return (state with { GlobalNetworkPolicies = state.GlobalNetworkPolicies.RemoveAll(p => p.Metadata.Name == name) }, local);
            case 4:
                var pod = Pods[pick % Pods.Length];
                return (pick % 3 == 0
                    ? state.WithPodLabels(pod, [new("pod", pod[2..])])
                    : state.WithPodLabelsAdded(pod, [new("role", pick % 2 == 0 ? "db" : "web")]), local);
            case 5:
                var ns = new[] { "x", "y", "z" }[pick % 3];
                return (state.WithNamespace(ns, [new("ns", ns), new("team", pick % 2 == 0 ? "red" : "blue")]), local);
            case 6:
                var key = Pods[pick % Pods.Length];
                var changed = new HashSet<string>(local);
                if (!changed.Remove(key)) changed.Add(key);
                return (state, changed);
            case 7:
                return (state.WithTier(Tier("security", 10 + pick % 3, pick % 2 == 0 ? "Pass" : null)), local);
            default:
                return (state.WithGlobalNetworkSet(new GlobalNetworkSet
                {
                    Metadata = new ObjectMeta { Name = "outside", Labels = new() { ["role"] = "db" } },
                    Spec = new GlobalNetworkSetSpec { Nets = [pick % 2 == 0 ? "192.168.0.0/16" : "10.9.0.0/16"] },
                }), local);
        }
    }

    private static GlobalNetworkPolicy Policy(int pick)
    {
        var rule = new Rule
        {
            Action = new[] { Rule.ActionAllow, Rule.ActionDeny, Rule.ActionPass, Rule.ActionAllow }[pick % 4],
            Protocol = Protocol.Tcp,
            Source = new EntityRule { Selector = Selectors[(pick / 4) % Selectors.Length] },
            Destination = new EntityRule { Ports = [pick % 3 == 0 ? Port.Named("serve-80-tcp") : Port.Single((ushort)(80 + pick % 2))] },
        };
        var policy = Gnp($"p{pick % 4}", pick % 5 == 0 ? "security" : "default", pick % 7, Selectors[pick % Selectors.Length], rule);
        if (pick % 6 == 0)
        {
            policy.Spec.Egress = [new Rule { Action = Rule.ActionAllow, Destination = new EntityRule { NotSelector = "role == 'db'" } }];
        }
        return policy;
    }
}
