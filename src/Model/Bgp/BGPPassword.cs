using System.Text.Json;
using System.Text.Json.Serialization;

namespace CniNet.Model.Bgp;

/// <summary>A BGP (TCP MD5) password, taken from a Secret in calico-node's namespace.</summary>
public sealed class BGPPassword
{
    [JsonPropertyName("secretKeyRef")]
    public SecretKeySelector? SecretKeyRef { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A key of a Kubernetes Secret (core/v1 SecretKeySelector).</summary>
public sealed class SecretKeySelector
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("key")]
    public string Key { get; set; } = "";

    [JsonPropertyName("optional")]
    public bool? Optional { get; set; }
}
