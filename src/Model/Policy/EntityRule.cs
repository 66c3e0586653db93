using System.Text.Json;
using System.Text.Json.Serialization;

namespace CniNet.Model.Policy;

/// <summary>The source or destination half of a rule; every criterion present must match.</summary>
public sealed class EntityRule
{
    [JsonPropertyName("nets")]
    public List<string>? Nets { get; set; }

    [JsonPropertyName("notNets")]
    public List<string>? NotNets { get; set; }

    [JsonPropertyName("selector")]
    public string? Selector { get; set; }

    /// <summary>
    /// Matches traffic from peers outside the selector's set, so non-Calico peers pass; unlike
    /// <c>selector: "!expr"</c>, which only matches Calico endpoints.
    /// </summary>
    [JsonPropertyName("notSelector")]
    public string? NotSelector { get; set; }

    [JsonPropertyName("namespaceSelector")]
    public string? NamespaceSelector { get; set; }

    [JsonPropertyName("serviceAccounts")]
    public ServiceAccountMatch? ServiceAccounts { get; set; }

    [JsonPropertyName("services")]
    public ServiceMatch? Services { get; set; }

    [JsonPropertyName("ports")]
    public List<Port>? Ports { get; set; }

    [JsonPropertyName("notPorts")]
    public List<Port>? NotPorts { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>Pods running as a service account; <c>names</c> and <c>selector</c> are ANDed.</summary>
public sealed class ServiceAccountMatch
{
    [JsonPropertyName("names")]
    public List<string>? Names { get; set; }

    [JsonPropertyName("selector")]
    public string? Selector { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>The endpoints of a Kubernetes Service; an empty namespace means the policy's own.</summary>
public sealed class ServiceMatch
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
