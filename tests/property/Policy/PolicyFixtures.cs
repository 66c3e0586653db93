using System.Collections.Immutable;
using System.Net;
using CniNet.Felix.Calc;
using CniNet.Model.Kubernetes;
using CniNet.Model.Policy;
using CniNet.Model.Resources;

namespace CniNet.Tests.Property.Policy;

/// <summary>A small cluster in the corpus' shape (namespaces x, y, z; pods a, b, c) and builders for policies.</summary>
internal static class PolicyFixtures
{
    public static readonly ImmutableArray<NamedPort> Containers =
    [
        new("serve-80-tcp", 80, Protocol.Tcp), new("serve-81-tcp", 81, Protocol.Tcp), new("serve-80-udp", 80, Protocol.Udp),
    ];

    public static ClusterState Cluster()
    {
        var state = ClusterState.Empty;
        var nsOctet = 1;
        foreach (var ns in new[] { "x", "y", "z" })
        {
            state = state.WithNamespace(ns, new Dictionary<string, string> { ["ns"] = ns });
            var podOctet = 10;
            foreach (var pod in new[] { "a", "b", "c" })
            {
                state = state.WithPod(new PodEndpoint(ns, pod,
                    ImmutableDictionary<string, string>.Empty.Add("pod", pod),
                    new IPAddress([192, 168, (byte)nsOctet, (byte)podOctet]), "default", Containers));
                podOctet += 10;
            }
            nsOctet++;
        }
        return state;
    }

    public static PodEndpoint Pod(this ClusterState state, string key) =>
        state.FindPod(key) ?? throw new KeyNotFoundException(key);

    public static KubernetesNetworkPolicy K8sPolicy(string ns, string name, KubernetesNetworkPolicySpec spec) =>
        new()
        {
            ApiVersion = KubernetesNetworkPolicy.ApiVersionV1,
            Kind = "NetworkPolicy",
            Metadata = new ObjectMeta { Namespace = ns, Name = name },
            Spec = spec,
        };

    public static LabelSelector Labels(params (string Key, string Value)[] pairs) =>
        new() { MatchLabels = pairs.ToDictionary(p => p.Key, p => p.Value) };

    public static GlobalNetworkPolicy Gnp(string name, string tier, double? order, string selector, params Rule[] ingress) =>
        new()
        {
            Metadata = new ObjectMeta { Name = name },
            Spec = new GlobalNetworkPolicySpec { Tier = tier, Order = order, Selector = selector, Ingress = [.. ingress] },
        };

    public static Tier Tier(string name, double order, string? defaultAction = null) =>
        new() { Metadata = new ObjectMeta { Name = name }, Spec = new TierSpec { Order = order, DefaultAction = defaultAction } };

    public static Rule Allow(string? sourceSelector = null) => RuleFrom(Rule.ActionAllow, sourceSelector);

    public static Rule Deny(string? sourceSelector = null) => RuleFrom(Rule.ActionDeny, sourceSelector);

    public static Rule Pass(string? sourceSelector = null) => RuleFrom(Rule.ActionPass, sourceSelector);

    public static Rule Log() => RuleFrom(Rule.ActionLog, null);

    private static Rule RuleFrom(string action, string? sourceSelector) =>
        new() { Action = action, Source = sourceSelector is null ? null : new EntityRule { Selector = sourceSelector } };
}
