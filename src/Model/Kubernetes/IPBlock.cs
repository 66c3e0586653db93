using System.Text.Json.Serialization;

namespace CniNet.Model.Kubernetes;

/// <summary>A CIDR peer with holes cut out of it.</summary>
public sealed class IPBlock
{
    [JsonPropertyName("cidr")]
    public string Cidr { get; set; } = "";

    [JsonPropertyName("except")]
    public List<string>? Except { get; set; }
}
