using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Kubernetes;

/// <summary>A Kubernetes NetworkPolicy (kind <c>NetworkPolicy</c>, apiVersion <c>networking.k8s.io/v1</c>).</summary>
public sealed class KubernetesNetworkPolicy : Resource<KubernetesNetworkPolicySpec>
{
    public const string ApiVersionV1 = "networking.k8s.io/v1";
}

public sealed class KubernetesNetworkPolicySpec
{
    /// <summary>The pods the policy isolates; the empty selector selects every pod of the namespace.</summary>
    [JsonPropertyName("podSelector")]
    public LabelSelector? PodSelector { get; set; }

    /// <summary>
    /// Ingress and/or Egress. The API server defaults it to Ingress, plus Egress when egress rules exist; Calico's
    /// converter uses Ingress alone for an object stored without it.
    /// </summary>
    [JsonPropertyName("policyTypes")]
    public List<string>? PolicyTypes { get; set; }

    [JsonPropertyName("ingress")]
    public List<NetworkPolicyIngressRule>? Ingress { get; set; }

    [JsonPropertyName("egress")]
    public List<NetworkPolicyEgressRule>? Egress { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
