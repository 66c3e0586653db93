using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Policy;

/// <summary>A cluster-wide, labelled list of networks (<c>projectcalico.org/v3</c> GlobalNetworkSet).</summary>
public sealed class GlobalNetworkSet : Resource<GlobalNetworkSetSpec>;

public sealed class GlobalNetworkSetSpec
{
    [JsonPropertyName("nets")]
    public List<string>? Nets { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
