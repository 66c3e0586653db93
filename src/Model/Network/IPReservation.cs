using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Network;

/// <summary>Addresses that automatic assignment must skip (<c>projectcalico.org/v3</c> IPReservation).</summary>
public sealed class IPReservation : Resource<IPReservationSpec>;

public sealed class IPReservationSpec
{
    [JsonPropertyName("reservedCIDRs")]
    public List<string> ReservedCIDRs { get; set; } = [];

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
