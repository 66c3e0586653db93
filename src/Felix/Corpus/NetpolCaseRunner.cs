using System.Collections.Immutable;
using System.Net;
using System.Text.Json;
using CniNet.Felix.Calc;
using CniNet.Felix.Conversion;
using CniNet.Felix.Policy;
using CniNet.Model.Policy;
using CniNet.Model.Resources;
using CniNet.Model.Selectors;

namespace CniNet.Felix.Corpus;

/// <summary>
/// Replays <c>netpol-cases/v1</c> cases through <see cref="PolicyEvaluator"/>: builds the initial cluster, applies each
/// step's actions on top of the previous ones, evaluates every probe matrix and compares it cell by cell.
/// </summary>
public static class NetpolCaseRunner
{
    public const char Allowed = '1';
    public const char Denied = '0';
    public const char NotServed = '-';

    /// <summary>Reads a case file.</summary>
    /// <exception cref="JsonException">The text is not a netpol-cases/v1 document.</exception>
    public static NetpolCaseFile Parse(string json)
    {
        var file = JsonSerializer.Deserialize(json, NetpolCaseJsonContext.Default.NetpolCaseFile)
                   ?? throw new JsonException("the case file is empty");
        return file.Format == NetpolCaseFile.FormatV1
            ? file
            : throw new JsonException($"unsupported case file format '{file.Format}', expected '{NetpolCaseFile.FormatV1}'");
    }

    public static IReadOnlyList<CaseResult> RunAll(NetpolCaseFile file) => [.. file.Cases.Select(Run)];

    public static CaseResult Run(NetpolCase testCase)
    {
        try
        {
            var s = 0;
            foreach (var state in StepStates(testCase))
            {
                var step = testCase.Steps[s++];
                var evaluator = new PolicyEvaluator(state);
                for (var p = 0; p < step.Probes.Count; p++)
                {
                    if (Compare(evaluator, step.Probes[p], testCase.IgnoreLoopback, s, p + 1) is { } mismatch)
                    {
                        return new CaseResult(testCase.Id, testCase.Suite, mismatch, null);
                    }
                }
            }
            return new CaseResult(testCase.Id, testCase.Suite, null, null);
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or InvalidOperationException
                                      or NotSupportedException or FormatException or JsonException
                                      or SelectorParseException or OverflowException)
        {
            return new CaseResult(testCase.Id, testCase.Suite, null, e.Message);
        }
    }

    /// <summary>
    /// The cluster state each step probes, in step order: the initial cluster with every action up to and including
    /// that step's applied (actions are cumulative). Lazy: a bad action throws when its step is reached.
    /// </summary>
    public static IEnumerable<ClusterState> StepStates(NetpolCase testCase)
    {
        var state = InitialState(testCase);
        var containers = testCase.Initial.Pods.FirstOrDefault()?.Ports;
        foreach (var step in testCase.Steps)
        {
            foreach (var action in step.Actions)
            {
                state = Apply(state, action, containers);
            }
            yield return state;
        }
    }

    /// <summary>The cell for one connection: the verdict, or '-' when the destination does not serve the named port.</summary>
    public static char Cell(PolicyEvaluator evaluator, PodEndpoint source, PodEndpoint destination, Protocol protocol, Model.Kubernetes.IntOrString port)
    {
        ushort number;
        if (port.IsString)
        {
            if (destination.FindNamedPort(port.Text) is not { } named || named.Protocol.Number != protocol.Number)
            {
                return NotServed;
            }
            number = named.Port;
        }
        else
        {
            number = checked((ushort)port.Number);
        }
        return evaluator.Evaluate(source, destination, protocol, number) == Verdict.Allow ? Allowed : Denied;
    }

    private static CellMismatch? Compare(PolicyEvaluator evaluator, CaseProbe probe, bool ignoreLoopback, int step, int probeNumber)
    {
        var protocol = Protocol.Parse(probe.Protocol);
        var pods = probe.Pods.Select(key => evaluator.State.FindPod(key)
                                            ?? throw new KeyNotFoundException($"probe pod {key} does not exist")).ToList();
        if (probe.Matrix.Count != pods.Count || probe.Matrix.Any(row => row.Length != pods.Count))
        {
            throw new ArgumentException($"step {step} probe {probeNumber}: the matrix is not {pods.Count}x{pods.Count}");
        }
        for (var i = 0; i < pods.Count; i++)
        {
            for (var j = 0; j < pods.Count; j++)
            {
                if (ignoreLoopback && i == j)
                {
                    continue;
                }
                var expected = probe.Matrix[i][j];
                var got = Cell(evaluator, pods[i], pods[j], protocol, probe.Port);
                if (got != expected)
                {
                    return new CellMismatch(step, probeNumber, probe.Protocol, probe.Port.ToString(), pods[i].Key, pods[j].Key, expected, got);
                }
            }
        }
        return null;
    }

    private static ClusterState InitialState(NetpolCase testCase)
    {
        var state = ClusterState.Empty;
        foreach (var (name, labels) in testCase.Initial.Namespaces)
        {
            state = state.WithNamespace(name, labels);
        }
        foreach (var pod in testCase.Initial.Pods)
        {
            var (ns, name) = SplitPodKey(pod.Pod);
            state = state.WithPod(NewPod(ns, name, pod.Labels, pod.Ip, pod.ServiceAccount, pod.Ports));
        }
        return testCase.Resources is { } resources ? WithCalicoResources(state, resources) : state;
    }

    private static ClusterState WithCalicoResources(ClusterState state, CaseResources resources)
    {
        foreach (var tier in resources.Tiers ?? [])
        {
            state = state.WithTier(new Tier
            {
                Metadata = new ObjectMeta { Name = tier.Name },
                Spec = new TierSpec { Order = tier.Order, DefaultAction = tier.DefaultAction },
            });
        }
        foreach (var set in resources.NetworkSets ?? [])
        {
            var metadata = new ObjectMeta { Name = set.Name, Namespace = set.Namespace, Labels = set.Labels };
            state = set.Namespace is null
                ? state.WithGlobalNetworkSet(new GlobalNetworkSet { Metadata = metadata, Spec = new GlobalNetworkSetSpec { Nets = set.Nets } })
                : state.WithNetworkSet(new NetworkSet { Metadata = metadata, Spec = new NetworkSetSpec { Nets = set.Nets } });
        }
        foreach (var policy in resources.Policies ?? [])
        {
            var metadata = new ObjectMeta { Name = policy.Name, Namespace = policy.Namespace };
            state = policy.Kind switch
            {
                "NetworkPolicy" when policy.Namespace is not null => state.WithNetworkPolicy(new NetworkPolicy
                {
                    Metadata = metadata,
                    Spec = policy.Spec.Deserialize(NetpolCaseJsonContext.Default.NetworkPolicySpec) ?? new NetworkPolicySpec(),
                }),
                "GlobalNetworkPolicy" => state.WithGlobalNetworkPolicy(new GlobalNetworkPolicy
                {
                    Metadata = metadata,
                    Spec = policy.Spec.Deserialize(NetpolCaseJsonContext.Default.GlobalNetworkPolicySpec) ?? new GlobalNetworkPolicySpec(),
                }),
                _ => throw new ArgumentException($"policy {policy.Name}: unsupported kind '{policy.Kind}' (or a NetworkPolicy without a namespace)"),
            };
        }
        return state;
    }

    private static ClusterState Apply(ClusterState state, CaseAction action, List<CasePort>? containers)
    {
        switch (action.Op)
        {
            case CaseAction.CreatePolicy:
            case CaseAction.UpdatePolicy:
                var policy = action.Policy ?? throw new ArgumentException($"{action.Op} without a policy");
                var exists = state.KubernetesPolicies.Exists(p =>
                    p.Metadata.Namespace == policy.Metadata.Namespace && p.Metadata.Name == policy.Metadata.Name);
                if (exists != (action.Op == CaseAction.UpdatePolicy))
                {
                    throw new InvalidOperationException(
                        $"{action.Op}: NetworkPolicy {policy.Metadata.Namespace}/{policy.Metadata.Name} {(exists ? "already exists" : "does not exist")}");
                }
                return state.WithKubernetesPolicy(KubernetesPolicyConverter.WithApiServerDefaults(policy));
            case CaseAction.DeletePolicy:
                return state.WithoutKubernetesPolicy(
                    action.Namespace ?? action.Policy?.Metadata.Namespace ?? throw new ArgumentException("deletePolicy without a namespace"),
                    action.Name ?? action.Policy?.Metadata.Name ?? throw new ArgumentException("deletePolicy without a name"));
            case CaseAction.DeleteAllPolicies:
                return state.WithoutKubernetesPolicies();
            case CaseAction.CreateNamespace:
                var created = Required(action.Namespace, action);
                return state.Namespaces.ContainsKey(created)
                    ? throw new InvalidOperationException($"namespace {created} already exists")
                    : state.WithNamespace(created, action.Labels ?? []);
            case CaseAction.SetNamespaceLabels:
                var relabelled = Required(action.Namespace, action);
                return state.Namespaces.ContainsKey(relabelled)
                    ? state.WithNamespace(relabelled, action.Labels ?? [])
                    : throw new KeyNotFoundException($"namespace {relabelled} does not exist");
            case CaseAction.AddNamespaceLabels:
                return state.WithNamespaceLabelsAdded(Required(action.Namespace, action), action.Labels ?? []);
            case CaseAction.DeleteNamespace:
                return state.WithoutNamespace(Required(action.Namespace, action));
            case CaseAction.CreatePod:
                var key = Required(action.Pod, action);
                if (state.FindPod(key) is not null)
                {
                    throw new InvalidOperationException($"pod {key} already exists");
                }
                var (ns, name) = SplitPodKey(key);
                return state.WithPod(NewPod(ns, name, action.Labels, action.Ip, action.ServiceAccount, containers));
            case CaseAction.DeletePod:
                return state.WithoutPod(Required(action.Pod, action));
            case CaseAction.SetPodLabels:
                return state.WithPodLabels(Required(action.Pod, action), action.Labels ?? []);
            case CaseAction.AddPodLabels:
                return state.WithPodLabelsAdded(Required(action.Pod, action), action.Labels ?? []);
            default:
                throw new ArgumentException($"unknown action '{action.Op}'");
        }
    }

    private static PodEndpoint NewPod(
        string ns, string name, Dictionary<string, string>? labels, string? ip, string? serviceAccount, List<CasePort>? ports) =>
        new(ns, name,
            ImmutableDictionary.CreateRange(StringComparer.Ordinal, labels ?? []),
            ip is null ? CorpusAddressing.PodIp(ns, name) : IPAddress.Parse(ip),
            serviceAccount ?? "default",
            [.. (ports ?? []).Select(port => new NamedPort(port.Name, checked((ushort)port.Port), Protocol.Parse(port.Protocol)))]);

    private static (string Namespace, string Name) SplitPodKey(string key)
    {
        var slash = key.IndexOf('/');
        return slash > 0 && slash < key.Length - 1
            ? (key[..slash], key[(slash + 1)..])
            : throw new ArgumentException($"pod '{key}' is not namespace/name");
    }

    private static string Required(string? value, CaseAction action) =>
        value ?? throw new ArgumentException($"{action.Op} is missing its target");
}
