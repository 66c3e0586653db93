using System.Text.Json.Serialization;

namespace CniNet.Model.Kubernetes;

/// <summary>A Kubernetes label selector: every <c>matchLabels</c> pair and every expression must hold; empty matches all.</summary>
public sealed class LabelSelector
{
    [JsonPropertyName("matchLabels")]
    public Dictionary<string, string>? MatchLabels { get; set; }

    [JsonPropertyName("matchExpressions")]
    public List<LabelSelectorRequirement>? MatchExpressions { get; set; }
}
