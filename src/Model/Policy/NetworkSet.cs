using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Policy;

/// <summary>
/// A namespaced, labelled list of networks that rule selectors can match like endpoints
/// (<c>projectcalico.org/v3</c> NetworkSet).
/// </summary>
public sealed class NetworkSet : Resource<NetworkSetSpec>;

public sealed class NetworkSetSpec
{
    [JsonPropertyName("nets")]
    public List<string>? Nets { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
