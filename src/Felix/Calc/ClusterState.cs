using System.Collections.Immutable;
using System.Net;
using CniNet.Model.Felix;
using CniNet.Model.Kubernetes;
using CniNet.Model.Policy;

namespace CniNet.Felix.Calc;

/// <summary>
/// What the policy calculation reads: namespaces and service accounts with their labels, pods, Kubernetes NetworkPolicies and Calico tiers,
/// policies and network sets, profiles, host endpoints (every node's: their <c>expectedIPs</c> are selector members
/// everywhere, while only the local node's are policed) and the failsafe ports. An immutable value; every change
/// returns a new state, so a verdict is a pure function of one state.
/// </summary>
public sealed record ClusterState
{
    /// <summary>The label every namespace carries with its own name (Kubernetes sets it and keeps it).</summary>
    public const string NamespaceNameLabel = "kubernetes.io/metadata.name";

    public static ClusterState Empty { get; } = new();

    public ImmutableSortedDictionary<string, ImmutableDictionary<string, string>> Namespaces { get; init; } =
        ImmutableSortedDictionary.Create<string, ImmutableDictionary<string, string>>(StringComparer.Ordinal);

    /// <summary>Service accounts' labels by namespace and name: a pod inherits its service account's under <c>pcsa.</c>.</summary>
    public ImmutableDictionary<(string Namespace, string Name), ImmutableDictionary<string, string>> ServiceAccounts { get; init; } =
        ImmutableDictionary<(string Namespace, string Name), ImmutableDictionary<string, string>>.Empty;

    public ImmutableList<PodEndpoint> Pods { get; init; } = [];

    public ImmutableList<KubernetesNetworkPolicy> KubernetesPolicies { get; init; } = [];

    public ImmutableList<Tier> Tiers { get; init; } = [];

    public ImmutableList<NetworkPolicy> NetworkPolicies { get; init; } = [];

    public ImmutableList<GlobalNetworkPolicy> GlobalNetworkPolicies { get; init; } = [];

    public ImmutableList<NetworkSet> NetworkSets { get; init; } = [];

    public ImmutableList<GlobalNetworkSet> GlobalNetworkSets { get; init; } = [];

    public ImmutableList<HostEndpoint> HostEndpoints { get; init; } = [];

    /// <summary>Profiles host endpoints list (namespaces' <c>kns.*</c> and service accounts' <c>ksa.*</c> profiles are derived, not stored here).</summary>
    public ImmutableList<Profile> Profiles { get; init; } = [];

    /// <summary>
    /// This node's interfaces and their addresses, as the kernel has them: a host endpoint without an
    /// <c>interfaceName</c> protects the interfaces holding one of its <c>expectedIPs</c>.
    /// </summary>
    public ImmutableSortedDictionary<string, ImmutableArray<IPAddress>> LocalInterfaces { get; init; } =
        ImmutableSortedDictionary.Create<string, ImmutableArray<IPAddress>>(StringComparer.Ordinal);

    /// <summary>Felix's <c>failsafeInboundHostPorts</c>, its defaults unless configured.</summary>
    public ImmutableList<FailsafePort> FailsafeInbound { get; init; } = FailsafePort.DefaultInbound;

    /// <summary>Felix's <c>failsafeOutboundHostPorts</c>, its defaults unless configured.</summary>
    public ImmutableList<FailsafePort> FailsafeOutbound { get; init; } = FailsafePort.DefaultOutbound;

    public PodEndpoint? FindPod(string key) => Pods.Find(pod => pod.Key == key);

    /// <summary>Creates the namespace or replaces its labels; <see cref="NamespaceNameLabel"/> is always kept.</summary>
    public ClusterState WithNamespace(string name, IEnumerable<KeyValuePair<string, string>> labels) =>
        this with
        {
            Namespaces = Namespaces.SetItem(
                name, ImmutableDictionary.CreateRange(StringComparer.Ordinal, labels).SetItem(NamespaceNameLabel, name)),
        };

    /// <summary>Merges labels into an existing namespace's labels.</summary>
    public ClusterState WithNamespaceLabelsAdded(string name, IEnumerable<KeyValuePair<string, string>> labels) =>
        WithNamespace(name, RequireNamespace(name).SetItems(labels));

    /// <summary>Creates the service account or replaces its labels; its namespace must exist.</summary>
    public ClusterState WithServiceAccount(string ns, string name, IEnumerable<KeyValuePair<string, string>> labels)
    {
        RequireNamespace(ns);
        return this with { ServiceAccounts = ServiceAccounts.SetItem((ns, name), ImmutableDictionary.CreateRange(StringComparer.Ordinal, labels)) };
    }

    /// <summary>What <paramref name="pod"/> inherits labels from: its namespace's and its service account's.</summary>
    public PodInheritance InheritedBy(PodEndpoint pod) => new(
        Namespaces.TryGetValue(pod.Namespace, out var ns) ? ns : ImmutableDictionary<string, string>.Empty,
        ServiceAccounts.TryGetValue((pod.Namespace, pod.ServiceAccount), out var sa) ? sa : ImmutableDictionary<string, string>.Empty);

    /// <summary>Deletes the namespace with everything in it: service accounts, pods, Kubernetes and Calico policies, network sets.</summary>
    public ClusterState WithoutNamespace(string name)
    {
        RequireNamespace(name);
        return this with
        {
            Namespaces = Namespaces.Remove(name),
            ServiceAccounts = ServiceAccounts.RemoveRange(ServiceAccounts.Keys.Where(key => key.Namespace == name)),
            Pods = Pods.RemoveAll(pod => pod.Namespace == name),
            KubernetesPolicies = KubernetesPolicies.RemoveAll(policy => policy.Metadata.Namespace == name),
            NetworkPolicies = NetworkPolicies.RemoveAll(policy => policy.Metadata.Namespace == name),
            NetworkSets = NetworkSets.RemoveAll(set => set.Metadata.Namespace == name),
        };
    }

    /// <summary>Adds the pod, or replaces the pod with the same namespace and name; its namespace must exist.</summary>
    public ClusterState WithPod(PodEndpoint pod)
    {
        RequireNamespace(pod.Namespace);
        var index = Pods.FindIndex(existing => existing.Key == pod.Key);
        return this with { Pods = index < 0 ? Pods.Add(pod) : Pods.SetItem(index, pod) };
    }

    public ClusterState WithoutPod(string key) => this with { Pods = Pods.Remove(RequirePod(key)) };

    /// <summary>Replaces the pod's own labels.</summary>
    public ClusterState WithPodLabels(string key, IEnumerable<KeyValuePair<string, string>> labels) =>
        WithPod(RequirePod(key) with { Labels = ImmutableDictionary.CreateRange(StringComparer.Ordinal, labels) });

    /// <summary>Merges labels into the pod's own labels.</summary>
    public ClusterState WithPodLabelsAdded(string key, IEnumerable<KeyValuePair<string, string>> labels)
    {
        var pod = RequirePod(key);
        return WithPod(pod with { Labels = pod.Labels.SetItems(labels) });
    }

    /// <summary>Creates or replaces (same namespace and name) a Kubernetes NetworkPolicy.</summary>
    public ClusterState WithKubernetesPolicy(KubernetesNetworkPolicy policy)
    {
        var ns = policy.Metadata.Namespace ?? throw new ArgumentException(
            $"NetworkPolicy {policy.Metadata.Name} has no namespace", nameof(policy));
        RequireNamespace(ns);
        var index = KubernetesPolicies.FindIndex(p => SameName(p, ns, policy.Metadata.Name));
        return this with
        {
            KubernetesPolicies = index < 0 ? KubernetesPolicies.Add(policy) : KubernetesPolicies.SetItem(index, policy),
        };
    }

    public ClusterState WithoutKubernetesPolicy(string ns, string name)
    {
        var index = KubernetesPolicies.FindIndex(p => SameName(p, ns, name));
        return index < 0
            ? throw new KeyNotFoundException($"NetworkPolicy {ns}/{name} does not exist")
            : this with { KubernetesPolicies = KubernetesPolicies.RemoveAt(index) };
    }

    public ClusterState WithoutKubernetesPolicies() => this with { KubernetesPolicies = [] };

    public ClusterState WithTier(Tier tier) =>
        this with { Tiers = Tiers.RemoveAll(t => t.Metadata.Name == tier.Metadata.Name).Add(tier) };

    public ClusterState WithNetworkPolicy(NetworkPolicy policy) =>
        this with
        {
            NetworkPolicies = NetworkPolicies
                .RemoveAll(p => SameName(p, policy.Metadata.Namespace, policy.Metadata.Name)).Add(policy),
        };

    public ClusterState WithGlobalNetworkPolicy(GlobalNetworkPolicy policy) =>
        this with
        {
            GlobalNetworkPolicies = GlobalNetworkPolicies
                .RemoveAll(p => p.Metadata.Name == policy.Metadata.Name).Add(policy),
        };

    public ClusterState WithNetworkSet(NetworkSet set) =>
        this with
        {
            NetworkSets = NetworkSets.RemoveAll(s => SameName(s, set.Metadata.Namespace, set.Metadata.Name)).Add(set),
        };

    public ClusterState WithGlobalNetworkSet(GlobalNetworkSet set) =>
        this with
        {
            GlobalNetworkSets = GlobalNetworkSets.RemoveAll(s => s.Metadata.Name == set.Metadata.Name).Add(set),
        };

    /// <summary>Creates or replaces (same name) a host endpoint.</summary>
    public ClusterState WithHostEndpoint(HostEndpoint endpoint) =>
        this with
        {
            HostEndpoints = HostEndpoints.RemoveAll(e => e.Metadata.Name == endpoint.Metadata.Name).Add(endpoint),
        };

    public ClusterState WithoutHostEndpoint(string name) =>
        this with { HostEndpoints = HostEndpoints.RemoveAll(e => e.Metadata.Name == name) };

    /// <summary>Creates or replaces (same name) a profile.</summary>
    public ClusterState WithProfile(Profile profile) =>
        this with { Profiles = Profiles.RemoveAll(p => p.Metadata.Name == profile.Metadata.Name).Add(profile) };

    public ClusterState WithoutProfile(string name) =>
        this with { Profiles = Profiles.RemoveAll(p => p.Metadata.Name == name) };

    /// <summary>Takes the failsafe ports of the node's effective FelixConfiguration (unset fields mean Felix's defaults).</summary>
    public ClusterState WithFelixConfiguration(FelixConfigurationSpec spec) =>
        this with
        {
            FailsafeInbound = FailsafePort.FromConfiguration(spec.FailsafeInboundHostPorts, FailsafePort.DefaultInbound),
            FailsafeOutbound = FailsafePort.FromConfiguration(spec.FailsafeOutboundHostPorts, FailsafePort.DefaultOutbound),
        };

    private ImmutableDictionary<string, string> RequireNamespace(string name) =>
        Namespaces.TryGetValue(name, out var labels)
            ? labels
            : throw new KeyNotFoundException($"namespace {name} does not exist");

    private PodEndpoint RequirePod(string key) =>
        FindPod(key) ?? throw new KeyNotFoundException($"pod {key} does not exist");

    private static bool SameName(Model.Resources.Resource resource, string? ns, string name) =>
        resource.Metadata.Namespace == ns && resource.Metadata.Name == name;
}
