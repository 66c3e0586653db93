using CniNet.Model.Bgp;
using CniNet.Model.Felix;
using CniNet.Model.Policy;

namespace CniNet.Model.Resources;

/// <summary>The policy, BGP and Felix kinds, with the names calicoctl accepts for them.</summary>
public static class PolicyKinds
{
    private static readonly PolicyJsonContext Json = PolicyJsonContext.Default;

    public static readonly ResourceKind NetworkPolicy = ResourceKind.Of("NetworkPolicy", ResourceKind.CalicoV3, true, () => Json.NetworkPolicy,
        "networkpolicies", "networkpolicy", "policy", "policies", "np", "pol", "pols", "netpol");
    public static readonly ResourceKind GlobalNetworkPolicy = ResourceKind.Of("GlobalNetworkPolicy", ResourceKind.CalicoV3, false, () => Json.GlobalNetworkPolicy,
        "globalnetworkpolicies", "globalnetworkpolicy", "gnp", "gnps");
    public static readonly ResourceKind Tier = ResourceKind.Of("Tier", ResourceKind.CalicoV3, false, () => Json.Tier,
        "tiers", "tier");
    public static readonly ResourceKind NetworkSet = ResourceKind.Of("NetworkSet", ResourceKind.CalicoV3, true, () => Json.NetworkSet,
        "networksets", "networkset", "netsets");
    public static readonly ResourceKind GlobalNetworkSet = ResourceKind.Of("GlobalNetworkSet", ResourceKind.CalicoV3, false, () => Json.GlobalNetworkSet,
        "globalnetworksets", "globalnetworkset", "gnetsets");
    public static readonly ResourceKind HostEndpoint = ResourceKind.Of("HostEndpoint", ResourceKind.CalicoV3, false, () => Json.HostEndpoint,
        "hostendpoints", "hostendpoint", "hep", "heps");
    public static readonly ResourceKind WorkloadEndpoint = ResourceKind.Of("WorkloadEndpoint", ResourceKind.CalicoV3, true, () => Json.WorkloadEndpoint,
        "workloadendpoints", "workloadendpoint", "wep", "weps");
    public static readonly ResourceKind Profile = ResourceKind.Of("Profile", ResourceKind.CalicoV3, false, () => Json.Profile,
        "profiles", "profile", "pro", "pros");
    public static readonly ResourceKind BGPConfiguration = ResourceKind.Of("BGPConfiguration", ResourceKind.CalicoV3, false, () => Json.BGPConfiguration,
        "bgpconfigurations", "bgpconfiguration", "bgpconfig", "bgpconfigs");
    public static readonly ResourceKind BGPPeer = ResourceKind.Of("BGPPeer", ResourceKind.CalicoV3, false, () => Json.BGPPeer,
        "bgppeers", "bgppeer", "bgpp", "bgpps", "bp", "bps");
    public static readonly ResourceKind FelixConfiguration = ResourceKind.Of("FelixConfiguration", ResourceKind.CalicoV3, false, () => Json.FelixConfiguration,
        "felixconfigurations", "felixconfiguration", "felixconfig", "felixconfigs");
    public static readonly ResourceKind ClusterInformation = ResourceKind.Of("ClusterInformation", ResourceKind.CalicoV3, false, () => Json.ClusterInformation,
        "clusterinformations", "clusterinformation", "clusterinfo", "clusterinfos");

    public static IReadOnlyList<ResourceKind> All { get; } =
    [
        NetworkPolicy, GlobalNetworkPolicy, Tier, NetworkSet, GlobalNetworkSet, HostEndpoint, WorkloadEndpoint, Profile,
        BGPConfiguration, BGPPeer, FelixConfiguration, ClusterInformation,
    ];
}
