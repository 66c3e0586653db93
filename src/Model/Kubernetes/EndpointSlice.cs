using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Kubernetes;

/// <summary>
/// A Kubernetes EndpointSlice (kind <c>EndpointSlice</c>, apiVersion <c>discovery.k8s.io/v1</c>): some of a Service's
/// endpoints, the Service named by the <c>kubernetes.io/service-name</c> label. It has no <c>spec</c>.
/// </summary>
public sealed class EndpointSlice : Resource
{
    public const string ApiVersionV1 = "discovery.k8s.io/v1";
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    [JsonPropertyName("addressType")]
    public string? AddressType { get; set; }

    [JsonPropertyName("endpoints")]
    public List<SliceEndpoint>? Endpoints { get; set; }

    /// <summary>The Service this slice belongs to, or null when the label is missing.</summary>
    public string? ServiceName => Metadata.Labels?.GetValueOrDefault(ServiceNameLabel);

    /// <summary>Whether an endpoint on <paramref name="node"/> is ready (the API's "unknown", no condition, counts as ready).</summary>
    public bool HasReadyEndpointOn(string node) =>
        Endpoints?.Any(e => e.NodeName == node && e.Conditions?.Ready != false) ?? false;
}

public sealed class SliceEndpoint
{
    [JsonPropertyName("addresses")]
    public List<string>? Addresses { get; set; }

    [JsonPropertyName("conditions")]
    public EndpointConditions? Conditions { get; set; }

    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class EndpointConditions
{
    [JsonPropertyName("ready")]
    public bool? Ready { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
