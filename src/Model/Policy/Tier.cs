using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Policy;

/// <summary>An ordered group of policies; a Pass action jumps to the next tier (<c>projectcalico.org/v3</c> Tier).</summary>
public sealed class Tier : Resource<TierSpec>;

public sealed class TierSpec
{
    public const string DefaultName = "default";

    /// <summary>Calico's order for the <c>default</c> tier when it creates it.</summary>
    public const double DefaultTierOrder = 1_000_000;

    /// <summary>Lower runs first; no order sorts last, ties break on name.</summary>
    [JsonPropertyName("order")]
    public double? Order { get; set; }

    /// <summary>What happens to traffic a tier's policies select but do not decide: Deny (the default) or Pass.</summary>
    [JsonPropertyName("defaultAction")]
    public string? DefaultAction { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
