using System.Text.Json;
using System.Text.Json.Serialization;

namespace CniNet.Model.Policy;

/// <summary>An ICMP type and optional code match (<c>icmp</c> / <c>notICMP</c> in a rule).</summary>
public sealed class ICMPFields
{
    [JsonPropertyName("type")]
    public int? Type { get; set; }

    [JsonPropertyName("code")]
    public int? Code { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
