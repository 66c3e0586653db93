using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Policy;

/// <summary>
/// A cluster-wide policy that can also select host endpoints (<c>projectcalico.org/v3</c> GlobalNetworkPolicy).
/// </summary>
public sealed class GlobalNetworkPolicy : Resource<GlobalNetworkPolicySpec>;

public sealed class GlobalNetworkPolicySpec
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
    /// Ingress and/or Egress; Calico fills it on write when empty (see <see cref="NetworkPolicySpec.Types"/>).
    /// </summary>
    [JsonPropertyName("types")]
    public List<string>? Types { get; set; }

    [JsonPropertyName("ingress")]
    public List<Rule>? Ingress { get; set; }

    [JsonPropertyName("egress")]
    public List<Rule>? Egress { get; set; }

    [JsonPropertyName("serviceAccountSelector")]
    public string? ServiceAccountSelector { get; set; }

    [JsonPropertyName("namespaceSelector")]
    public string? NamespaceSelector { get; set; }

    /// <summary>
    /// Applied in raw, before conntrack; needs <see cref="ApplyOnForward"/>, excludes <see cref="PreDNAT"/>.
    /// </summary>
    [JsonPropertyName("doNotTrack")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool DoNotTrack { get; set; }

    /// <summary>Applied in mangle PREROUTING before DNAT; ingress only, needs <see cref="ApplyOnForward"/>.</summary>
    [JsonPropertyName("preDNAT")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool PreDNAT { get; set; }

    [JsonPropertyName("applyOnForward")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ApplyOnForward { get; set; }

    [JsonPropertyName("performanceHints")]
    public List<string>? PerformanceHints { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
