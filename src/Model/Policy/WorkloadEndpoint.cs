using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Policy;

/// <summary>
/// A workload's interface on a node (<c>projectcalico.org/v3</c> WorkloadEndpoint). For Kubernetes pods Calico names it
/// <c>&lt;node&gt;-k8s-&lt;pod&gt;-&lt;endpoint&gt;</c> with dashes in each part doubled.
/// </summary>
public sealed class WorkloadEndpoint : Resource<WorkloadEndpointSpec>;

public sealed class WorkloadEndpointSpec
{
    [JsonPropertyName("orchestrator")]
    public string? Orchestrator { get; set; }

    [JsonPropertyName("workload")]
    public string? Workload { get; set; }

    [JsonPropertyName("node")]
    public string? Node { get; set; }

    [JsonPropertyName("containerID")]
    public string? ContainerID { get; set; }

    [JsonPropertyName("pod")]
    public string? Pod { get; set; }

    [JsonPropertyName("endpoint")]
    public string? Endpoint { get; set; }

    [JsonPropertyName("serviceAccountName")]
    public string? ServiceAccountName { get; set; }

    /// <summary>The endpoint's addresses as /32 or /128 networks; the only sources its egress traffic may use.</summary>
    [JsonPropertyName("ipNetworks")]
    public List<string>? IPNetworks { get; set; }

    [JsonPropertyName("ipNATs")]
    public List<IPNAT>? IPNATs { get; set; }

    [JsonPropertyName("ipv4Gateway")]
    public string? IPv4Gateway { get; set; }

    [JsonPropertyName("ipv6Gateway")]
    public string? IPv6Gateway { get; set; }

    [JsonPropertyName("profiles")]
    public List<string>? Profiles { get; set; }

    [JsonPropertyName("interfaceName")]
    public string? InterfaceName { get; set; }

    [JsonPropertyName("mac")]
    public string? Mac { get; set; }

    [JsonPropertyName("ports")]
    public List<WorkloadEndpointPort>? Ports { get; set; }

    /// <summary>Source prefixes exempt from the RPF check, from the pod's allowedSourcePrefixes annotation.</summary>
    [JsonPropertyName("allowSpoofedSourcePrefixes")]
    public List<string>? AllowSpoofedSourcePrefixes { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A 1:1 NAT (floating IP) of a workload address.</summary>
public sealed class IPNAT
{
    [JsonPropertyName("internalIP")]
    public string InternalIP { get; set; } = "";

    [JsonPropertyName("externalIP")]
    public string ExternalIP { get; set; } = "";
}

/// <summary>
/// A named or host-mapped container port. Calico always writes <c>hostPort</c> and <c>hostIP</c>, zero and empty when
/// unmapped, so they are not omitted here either.
/// </summary>
public sealed class WorkloadEndpointPort
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("protocol")]
    public Protocol Protocol { get; set; }

    [JsonPropertyName("port")]
    public ushort Port { get; set; }

    [JsonPropertyName("hostPort")]
    public ushort HostPort { get; set; }

    [JsonPropertyName("hostIP")]
    public string HostIP { get; set; } = "";

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
