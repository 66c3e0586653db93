using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Ipam;

/// <summary>Storage shape of an allocation handle (<c>crd.projectcalico.org/v1</c> IPAMHandle).</summary>
public sealed class IPAMHandle : Resource<IPAMHandleSpec>;

public sealed class IPAMHandleSpec
{
    [JsonPropertyName("handleID")]
    public string HandleId { get; set; } = "";

    /// <summary>Block CIDR to the number of addresses this handle holds in it.</summary>
    [JsonPropertyName("block")]
    public Dictionary<string, int> Block { get; set; } = [];

    [JsonPropertyName("deleted")]
    public bool Deleted { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
