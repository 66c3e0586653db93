using CniNet.Felix.Calc;
using CniNet.Felix.Dataplane;
using CniNet.Model.Net;
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
    private static readonly string[] Selectors = ["pod == 'a'", "pod in {'b', 'c'}", "has(role)", "role == 'db'", "all()", "!has(pod)", "pcsa.tier == 'front'"];
    private static readonly string[] HostInterfaces = ["eth0", "eth1", "*"];
    private static readonly NftDataplaneOptions Options = new() { NodeName = "node1" };

    [Fact]
    public void Incremental_rounds_end_in_what_a_fresh_render_of_the_last_state_gives() =>
        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(200),
            Prop.ForAll(
                Gen.Choose(0, 1499).ArrayOf().Select(ops => ops.Take(25).ToArray()).ToArbitrary(),
                ops =>
                {
                    var incremental = new RulesetRenderer(Options);
                    var state = Cluster().WithTier(Tier("security", 10));
                    var local = Pods.Take(5).ToHashSet();
                    incremental.Render(state, Interfaces(local));
                    foreach (var op in ops)
                    {
                        (state, local) = Change(state, local, op);
                        incremental.Render(state, Interfaces(local));
                    }
                    var kept = incremental.Render(state, Interfaces(local));
                    var fresh = new RulesetRenderer(Options).Render(state, Interfaces(local));
                    Assert.Equal(NftTransaction.Between("calico", null, fresh).Script, NftTransaction.Between("calico", null, kept).Script);
                }));

    [Fact]
    public void Tables_laid_out_round_by_round_end_as_a_fresh_layout_of_the_last_ruleset() =>
        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(200),
            Prop.ForAll(
                Gen.Choose(0, 1499).ArrayOf().Select(ops => ops.Take(25).ToArray()).ToArbitrary(),
                ops =>
                {
                    var renderer = new RulesetRenderer(Options);
                    var layout = new TableLayout(Options);
                    var state = Cluster().WithTier(Tier("security", 10));
                    var local = Pods.Take(5).ToHashSet();
                    layout.Split(renderer.Render(state, Interfaces(local)));
                    foreach (var op in ops)
                    {
                        (state, local) = Change(state, local, op);
                        layout.Split(renderer.Render(state, Interfaces(local)));
                    }
                    var kept = layout.Split(renderer.Render(state, Interfaces(local)));
                    var fresh = new TableLayout(Options).Split(new RulesetRenderer(Options).Render(state, Interfaces(local)));
                    Assert.Equal(NftTransaction.Between(null, fresh).Script, NftTransaction.Between(null, kept).Script);
                }));

    private static WorkloadInterface[] Interfaces(HashSet<string> local) =>
        [.. local.Order(StringComparer.Ordinal).Select(key => new WorkloadInterface(key, $"cali{key.Replace('/', '0')}"))];

    private static (ClusterState, HashSet<string>) Change(ClusterState state, HashSet<string> local, int op)
    {
        var pick = op / 16;
        switch (op % 16)
        {
            case 15:
                var account = new[] { "x", "y", "z" }[pick % 3];
                return (state.WithServiceAccount(account, "default", [new("tier", pick % 2 == 0 ? "front" : "back")]), local);
            case 14:
                return (state.WithProfile(new Profile
                {
                    Metadata = new ObjectMeta { Name = $"prof{pick % 2}" },
                    Spec = new ProfileSpec
                    {
                        Ingress = [pick % 3 == 0 ? Deny("pod == 'a'") : Allow()],
                        LabelsToApply = pick % 2 == 0 ? new() { ["role"] = "db" } : null,
                    },
                }), local);
            case 10:
                return (state.WithHostEndpoint(HostEndpoint(pick)), local);
            case 11:
                return (state.WithoutHostEndpoint($"hep{pick % 4}"), local);
            case 12:
                return (state.WithGlobalNetworkPolicy(HostPolicy(pick)), local);
            case 13:
                return (state with
                {
                    FailsafeInbound = pick % 2 == 0 ? FailsafePort.DefaultInbound : [new("tcp", 22), new("tcp", (ushort)(8000 + pick % 3), Cidr.Parse("10.0.0.0/8"))],
                    FailsafeOutbound = pick % 3 == 0 ? [] : FailsafePort.DefaultOutbound,
                }, local);
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

    /// <summary>
    /// A host endpoint of this node or another (only a member of sets there), on a named interface or all, maybe with
    /// profiles (which may not exist yet).
    /// </summary>
    private static HostEndpoint HostEndpoint(int pick) =>
        new()
        {
            Metadata = new ObjectMeta
            {
                Name = $"hep{pick % 4}",
                Labels = new() { ["role"] = pick % 2 == 0 ? "db" : "web", ["host"] = "yes" },
            },
            Spec = new HostEndpointSpec
            {
                Node = pick % 5 == 0 ? "node2" : "node1",
                InterfaceName = HostInterfaces[(pick / 4) % HostInterfaces.Length],
                ExpectedIPs = [$"10.0.{pick % 4}.1"],
                Ports = pick % 3 == 0 ? [new EndpointPort { Name = "serve-80-tcp", Protocol = Protocol.Tcp, Port = 8080 }] : null,
                Profiles = pick % 3 == 1 ? ["prof0", "prof1"] : null,
            },
        };

    /// <summary>A host-endpoint policy: normal, applyOnForward, pre-DNAT (ingress only) or untracked.</summary>
    private static GlobalNetworkPolicy HostPolicy(int pick)
    {
        var policy = Policy(pick);
        policy.Metadata.Name = $"h{pick % 3}";
        policy.Spec.Selector = pick % 2 == 0 ? "host == 'yes'" : Selectors[pick % Selectors.Length];
        policy.Spec.ApplyOnForward = pick % 4 != 0;
        policy.Spec.PreDNAT = pick % 4 == 1;
        policy.Spec.DoNotTrack = pick % 4 == 2;
        if (policy.Spec.PreDNAT)
        {
            policy.Spec.Egress = null;
        }
        else if (pick % 3 == 0)
        {
            policy.Spec.Egress = [new Rule { Action = Rule.ActionAllow, Protocol = Protocol.Tcp, Source = new EntityRule { Ports = [Port.Single(8080)] } }];
        }
        return policy;
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
