using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Bgp;

/// <summary>
/// Cluster BGP settings (<c>projectcalico.org/v3</c> BGPConfiguration): the object named <c>default</c>, plus
/// <c>node.&lt;name&gt;</c> objects that override some fields for one node.
/// </summary>
public sealed class BGPConfiguration : Resource<BGPConfigurationSpec>
{
    public const string DefaultName = "default";
    public const string NodePrefix = "node.";
}

public sealed class BGPConfigurationSpec
{
    public const uint DefaultAsNumber = 64512;
    public const ushort DefaultListenPort = 179;
    public const string BindModeNone = "None";
    public const string BindModeNodeIP = "NodeIP";

    [JsonPropertyName("logSeverityScreen")]
    public string? LogSeverityScreen { get; set; }

    /// <summary>Full iBGP mesh between Calico nodes; null means enabled.</summary>
    [JsonPropertyName("nodeToNodeMeshEnabled")]
    public bool? NodeToNodeMeshEnabled { get; set; }

    /// <summary>The default AS of nodes without their own; null means 64512.</summary>
    [JsonPropertyName("asNumber")]
    public uint? AsNumber { get; set; }

    [JsonPropertyName("serviceClusterIPs")]
    public List<ServiceIPBlock>? ServiceClusterIPs { get; set; }

    [JsonPropertyName("serviceExternalIPs")]
    public List<ServiceIPBlock>? ServiceExternalIPs { get; set; }

    [JsonPropertyName("serviceLoadBalancerIPs")]
    public List<ServiceIPBlock>? ServiceLoadBalancerIPs { get; set; }

    /// <summary>Enabled (advertise the CIDRs, the default) or Disabled (advertise a /32 or /128 per service).</summary>
    [JsonPropertyName("serviceLoadBalancerAggregation")]
    public string? ServiceLoadBalancerAggregation { get; set; }

    [JsonPropertyName("communities")]
    public List<Community>? Communities { get; set; }

    [JsonPropertyName("prefixAdvertisements")]
    public List<PrefixAdvertisement>? PrefixAdvertisements { get; set; }

    /// <summary>0 means 179.</summary>
    [JsonPropertyName("listenPort")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ushort ListenPort { get; set; }

    [JsonPropertyName("bindMode")]
    public string? BindMode { get; set; }

    [JsonPropertyName("nodeMeshPassword")]
    public BGPPassword? NodeMeshPassword { get; set; }

    /// <summary>Graceful-restart time for mesh peers, a Go duration such as <c>120s</c>.</summary>
    [JsonPropertyName("nodeMeshMaxRestartTime")]
    public string? NodeMeshMaxRestartTime { get; set; }

    /// <summary>Interfaces left out of the device-route export, in addition to <c>cali*</c> and <c>kube-ipvs*</c>.</summary>
    [JsonPropertyName("ignoredInterfaces")]
    public List<string>? IgnoredInterfaces { get; set; }

    [JsonPropertyName("localWorkloadPeeringIPV4")]
    public string? LocalWorkloadPeeringIPV4 { get; set; }

    [JsonPropertyName("localWorkloadPeeringIPV6")]
    public string? LocalWorkloadPeeringIPV6 { get; set; }

    /// <summary>
    /// Enabled: BIRD programs the routes to other nodes' workloads in <c>vxlanMode: Never</c> pools; Disabled: Felix does.
    /// </summary>
    [JsonPropertyName("programClusterRoutes")]
    public string? ProgramClusterRoutes { get; set; }

    /// <summary>Must match Felix's route metric; BIRD derives LOCAL_PREF from it (default 1024).</summary>
    [JsonPropertyName("ipv4NormalRoutePriority")]
    public int? IPv4NormalRoutePriority { get; set; }

    [JsonPropertyName("ipv6NormalRoutePriority")]
    public int? IPv6NormalRoutePriority { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A service CIDR to advertise (Calico has one such type per service IP kind, all with only <c>cidr</c>).</summary>
public sealed class ServiceIPBlock
{
    [JsonPropertyName("cidr")]
    public string Cidr { get; set; } = "";
}

/// <summary>A named BGP community: <c>aa:nn</c> (standard) or <c>aa:nn:mm</c> (large).</summary>
public sealed class Community
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("value")]
    public string Value { get; set; } = "";
}

/// <summary>Communities to attach to routes within a CIDR: community names or literal values.</summary>
public sealed class PrefixAdvertisement
{
    [JsonPropertyName("cidr")]
    public string Cidr { get; set; } = "";

    [JsonPropertyName("communities")]
    public List<string>? Communities { get; set; }
}
