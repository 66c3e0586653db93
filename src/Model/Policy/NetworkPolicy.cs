using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Policy;

/// <summary>A namespaced, ordered policy in a tier (<c>projectcalico.org/v3</c> NetworkPolicy).</summary>
public sealed class NetworkPolicy : Resource<NetworkPolicySpec>;

public sealed class NetworkPolicySpec
{
    /// <summary>The tier; empty means <c>default</c>.</summary>
    [JsonPropertyName("tier")]
    public string? Tier { get; set; }

    /// <summary>Lower runs first within the tier; no order sorts last (as +Inf), ties break on name.</summary>
    [JsonPropertyName("order")]
    public double? Order { get; set; }

    [JsonPropertyName("selector")]
    public string? Selector { get; set; }

    /// <summary>
    /// Ingress and/or Egress. Calico fills it on write when empty: Ingress, plus Egress if there are egress rules
    /// (Egress alone when only egress rules exist).
    /// </summary>
    [JsonPropertyName("types")]
    public List<string>? Types { get; set; }

    [JsonPropertyName("ingress")]
    public List<Rule>? Ingress { get; set; }

    [JsonPropertyName("egress")]
    public List<Rule>? Egress { get; set; }

    [JsonPropertyName("serviceAccountSelector")]
    public string? ServiceAccountSelector { get; set; }

    [JsonPropertyName("performanceHints")]
    public List<string>? PerformanceHints { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
