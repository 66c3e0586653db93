using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Kubernetes;

/// <summary>A Kubernetes core Node (kind <c>Node</c>, apiVersion <c>v1</c>).</summary>
public sealed class KubernetesNode : Resource<KubernetesNodeSpec>
{
    [JsonPropertyName("status")]
    public JsonElement? Status { get; set; }
}

public sealed class KubernetesNodeSpec
{
    [JsonPropertyName("podCIDR")]
    public string? PodCIDR { get; set; }

    [JsonPropertyName("podCIDRs")]
    public List<string>? PodCIDRs { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
