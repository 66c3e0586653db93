using CniNet.Model.Ipam;
using CniNet.Model.Kubernetes;
using CniNet.Model.Network;

namespace CniNet.Model.Resources;

/// <summary>Every kind the stack reads or writes, looked up by kind name, alias or store key.</summary>
public static class ResourceKinds
{
    private static readonly ModelJsonContext Json = ModelJsonContext.Default;

    public static readonly ResourceKind IPPool = ResourceKind.Of("IPPool", ResourceKind.CalicoV3, false, () => Json.IPPool, "ippools", "ippool", "pool", "pools");
    public static readonly ResourceKind IPReservation = ResourceKind.Of("IPReservation", ResourceKind.CalicoV3, false, () => Json.IPReservation, "ipreservations", "ipreservation");
    public static readonly ResourceKind IPAMConfiguration = ResourceKind.Of("IPAMConfiguration", ResourceKind.CalicoV3, false, () => Json.IPAMConfiguration, "ipamconfigurations", "ipamconfiguration", "ipamconfig");
    public static readonly ResourceKind Node = ResourceKind.Of("Node", ResourceKind.CalicoV3, false, () => Json.Node, "nodes", "node", "no");
    public static readonly ResourceKind IPAMBlock = ResourceKind.Of("IPAMBlock", ResourceKind.CalicoCrdV1, false, () => Json.IPAMBlock, "ipamblocks", "ipamblock");
    public static readonly ResourceKind BlockAffinity = ResourceKind.Of("BlockAffinity", ResourceKind.CalicoCrdV1, false, () => Json.BlockAffinity, "blockaffinities", "blockaffinity", "affinity");
    public static readonly ResourceKind IPAMHandle = ResourceKind.Of("IPAMHandle", ResourceKind.CalicoCrdV1, false, () => Json.IPAMHandle, "ipamhandles", "ipamhandle");
    public static readonly ResourceKind IPAMConfig = ResourceKind.Of("IPAMConfig", ResourceKind.CalicoCrdV1, false, () => Json.IPAMConfig, "ipamconfigs");
    public static readonly ResourceKind Namespace = ResourceKind.Of("Namespace", ResourceKind.CoreV1, false, () => Json.Namespace, "namespaces", "namespace", "ns");
    public static readonly ResourceKind Pod = ResourceKind.Of("Pod", ResourceKind.CoreV1, true, () => Json.Pod, "pods", "pod", "po");
    public static readonly ResourceKind KubernetesNode = ResourceKind.Of("Node", ResourceKind.CoreV1, false, () => Json.KubernetesNode, "k8snodes", "k8snode");
    public static readonly ResourceKind KubernetesNetworkPolicy = ResourceKind.Of("NetworkPolicy", Model.Kubernetes.KubernetesNetworkPolicy.ApiVersionV1, true, () => Json.KubernetesNetworkPolicy,
        "k8snetworkpolicies", "k8snetworkpolicy", "knp");
    public static readonly ResourceKind ServiceAccount = ResourceKind.Of("ServiceAccount", ResourceKind.CoreV1, true, () => Json.ServiceAccount,
        "serviceaccounts", "serviceaccount", "sa");
    public static readonly ResourceKind Secret = ResourceKind.Of("Secret", ResourceKind.CoreV1, true, () => Json.Secret, "secrets", "secret");
    public static readonly ResourceKind Service = ResourceKind.Of("Service", ResourceKind.CoreV1, true, () => Json.Service, "services", "service", "svc");
    public static readonly ResourceKind EndpointSlice = ResourceKind.Of("EndpointSlice", Model.Kubernetes.EndpointSlice.ApiVersionV1, true, () => Json.EndpointSlice,
        "endpointslices", "endpointslice");

    public static IReadOnlyList<ResourceKind> All { get; } =
    [
        IPPool, IPReservation, IPAMConfiguration, Node, IPAMBlock, BlockAffinity, IPAMHandle, IPAMConfig,
        Namespace, ServiceAccount, Pod, KubernetesNode, KubernetesNetworkPolicy, Secret, Service, EndpointSlice, .. PolicyKinds.All,
    ];

    /// <summary>The kind an input document declares, by apiVersion and kind.</summary>
    public static ResourceKind? ForDocument(string apiVersion, string kind) =>
        All.FirstOrDefault(k => k.Kind == kind && k.ApiVersion == apiVersion);

    /// <summary>The kind a CLI argument names (kind, plural or short alias, case-insensitive); Calico kinds win.</summary>
    public static ResourceKind? ForName(string name) =>
        All.FirstOrDefault(k => string.Equals(k.Kind, name, StringComparison.OrdinalIgnoreCase) && !k.IsKubernetes)
        ?? All.FirstOrDefault(k => string.Equals(k.Kind, name, StringComparison.OrdinalIgnoreCase)
                                   || k.Aliases.Any(a => string.Equals(a, name, StringComparison.OrdinalIgnoreCase)));
}
