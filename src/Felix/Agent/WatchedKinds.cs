using System.Collections.Immutable;
using CniNet.Datastore;
using CniNet.Felix.Calc;
using CniNet.Model.Kubernetes;
using CniNet.Model.Policy;
using CniNet.Model.Resources;

namespace CniNet.Felix.Agent;

/// <summary>
/// What Felix's syncer watches for workload policy. One more kind is one more entry here and its use in
/// <see cref="StateCalculator.Build"/>.
/// </summary>
public static class WatchedKinds
{
    /// <summary>A namespace is kept as its labels with the name label Kubernetes sets (<see cref="ClusterState.NamespaceNameLabel"/>).</summary>
    public static readonly WatchedKind Namespace = new(ResourceKinds.Namespace, entry =>
    {
        var ns = ResourceCodec.Decode<Namespace>(ResourceKinds.Namespace, entry);
        return ImmutableDictionary.CreateRange(StringComparer.Ordinal, ns.Metadata.Labels ?? [])
            .SetItem(ClusterState.NamespaceNameLabel, ns.Metadata.Name);
    });

    /// <summary>A service account is kept as its labels, which pods running as it inherit.</summary>
    public static readonly WatchedKind ServiceAccount = new(ResourceKinds.ServiceAccount, entry =>
        ImmutableDictionary.CreateRange(StringComparer.Ordinal,
            ResourceCodec.Decode<ServiceAccount>(ResourceKinds.ServiceAccount, entry).Metadata.Labels ?? []));

    /// <summary>An endpoint is kept as its <see cref="Workload"/>, or as a marker when it has no usable address.</summary>
    public static readonly WatchedKind WorkloadEndpoint = new(PolicyKinds.WorkloadEndpoint, DecodeWorkload);

    public static readonly WatchedKind KubernetesNetworkPolicy = WatchedKind.Typed(ResourceKinds.KubernetesNetworkPolicy);

    public static readonly WatchedKind NetworkPolicy = WatchedKind.Typed(PolicyKinds.NetworkPolicy);

    public static readonly WatchedKind GlobalNetworkPolicy = WatchedKind.Typed(PolicyKinds.GlobalNetworkPolicy);

    public static readonly WatchedKind Tier = WatchedKind.Typed(PolicyKinds.Tier);

    public static readonly WatchedKind NetworkSet = WatchedKind.Typed(PolicyKinds.NetworkSet);

    public static readonly WatchedKind GlobalNetworkSet = WatchedKind.Typed(PolicyKinds.GlobalNetworkSet);

    public static readonly WatchedKind HostEndpoint = WatchedKind.Typed(PolicyKinds.HostEndpoint);

    public static readonly WatchedKind Profile = WatchedKind.Typed(PolicyKinds.Profile);

    /// <summary>For the failsafe ports: <c>default</c>, overridden field by field by <c>node.&lt;name&gt;</c>.</summary>
    public static readonly WatchedKind FelixConfiguration = WatchedKind.Typed(PolicyKinds.FelixConfiguration);

    public static IReadOnlyList<WatchedKind> All { get; } =
    [
        Namespace, ServiceAccount, WorkloadEndpoint, KubernetesNetworkPolicy, NetworkPolicy, GlobalNetworkPolicy, Tier, NetworkSet, GlobalNetworkSet,
        HostEndpoint, Profile, FelixConfiguration,
    ];

    /// <summary>An endpoint without a usable address: counted in the cluster, never policed or selected.</summary>
    private static readonly object NoAddress = new();

    private static object DecodeWorkload(KvEntry entry)
    {
        var workload = WorkloadIdentity.Of(ResourceCodec.Decode<WorkloadEndpoint>(PolicyKinds.WorkloadEndpoint, entry));
        return workload is null ? NoAddress : workload;
    }
}
