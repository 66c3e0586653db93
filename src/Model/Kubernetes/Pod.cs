using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Kubernetes;

/// <summary>A Kubernetes core Pod: the fields the CNI plugin and IPAM GC read.</summary>
public sealed class Pod : Resource<PodSpec>
{
    [JsonPropertyName("status")]
    public PodStatus? Status { get; set; }
}

public sealed class PodSpec
{
    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }

    [JsonPropertyName("serviceAccountName")]
    public string? ServiceAccountName { get; set; }

    [JsonPropertyName("hostNetwork")]
    public bool HostNetwork { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class PodStatus
{
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    [JsonPropertyName("podIP")]
    public string? PodIP { get; set; }

    [JsonPropertyName("podIPs")]
    public List<PodIP>? PodIPs { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class PodIP
{
    [JsonPropertyName("ip")]
    public string Ip { get; set; } = "";
}
