using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Ipam;

/// <summary>Storage shape of a host's claim on a block (<c>crd.projectcalico.org/v1</c> BlockAffinity).</summary>
public sealed class BlockAffinity : Resource<BlockAffinitySpec>;

public sealed class BlockAffinitySpec
{
    public const string Pending = "pending";
    public const string Confirmed = "confirmed";
    public const string PendingDeletion = "pendingDeletion";

    [JsonPropertyName("state")]
    public string State { get; set; } = Pending;

    [JsonPropertyName("node")]
    public string Node { get; set; } = "";

    /// <summary><c>host</c> or <c>virtual</c>; empty means host.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("cidr")]
    public string Cidr { get; set; } = "";

    /// <summary>A string ("true"/"false") in the v1 storage type, for compatibility with old Calico.</summary>
    [JsonPropertyName("deleted")]
    public string Deleted { get; set; } = "false";

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    [JsonIgnore]
    public bool IsConfirmed => State is Confirmed or "";
}
