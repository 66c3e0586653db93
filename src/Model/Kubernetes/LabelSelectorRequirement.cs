using System.Text.Json.Serialization;

namespace CniNet.Model.Kubernetes;

/// <summary>One <c>matchExpressions</c> entry: <c>In</c>, <c>NotIn</c>, <c>Exists</c> or <c>DoesNotExist</c>.</summary>
public sealed class LabelSelectorRequirement
{
    public const string In = "In";
    public const string NotIn = "NotIn";
    public const string Exists = "Exists";
    public const string DoesNotExist = "DoesNotExist";

    [JsonPropertyName("key")]
    public string Key { get; set; } = "";

    [JsonPropertyName("operator")]
    public string Operator { get; set; } = "";

    [JsonPropertyName("values")]
    public List<string>? Values { get; set; }
}
