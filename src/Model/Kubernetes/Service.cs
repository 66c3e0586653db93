using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Kubernetes;

/// <summary>A Kubernetes core Service: the addresses Calico may advertise for it, and its traffic policy.</summary>
public sealed class Service : Resource<ServiceSpec>
{
    [JsonPropertyName("status")]
    public ServiceStatus? Status { get; set; }

    /// <summary><c>externalTrafficPolicy: Local</c>: only nodes with a local endpoint take the service's external traffic.</summary>
    public bool IsExternalTrafficLocal => Spec.ExternalTrafficPolicy == ServiceSpec.TrafficPolicyLocal;
}

public sealed class ServiceSpec
{
    public const string TrafficPolicyLocal = "Local";

    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("clusterIPs")]
    public List<string>? ClusterIPs { get; set; }

    [JsonPropertyName("externalIPs")]
    public List<string>? ExternalIPs { get; set; }

    /// <summary>Cluster (the API server's default) or Local.</summary>
    [JsonPropertyName("externalTrafficPolicy")]
    public string? ExternalTrafficPolicy { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class ServiceStatus
{
    [JsonPropertyName("loadBalancer")]
    public LoadBalancerStatus? LoadBalancer { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class LoadBalancerStatus
{
    [JsonPropertyName("ingress")]
    public List<LoadBalancerIngress>? Ingress { get; set; }
}

/// <summary>An address the load balancer gives the service (<c>ip</c>; a <c>hostname</c> one is nothing to route).</summary>
public sealed class LoadBalancerIngress
{
    [JsonPropertyName("ip")]
    public string? Ip { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
