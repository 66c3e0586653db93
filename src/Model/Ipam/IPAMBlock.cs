using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Ipam;

/// <summary>Storage shape of one allocation block (<c>crd.projectcalico.org/v1</c> IPAMBlock).</summary>
public sealed class IPAMBlock : Resource<IPAMBlockSpec>;

[JsonConverter(typeof(IPAMBlockSpecConverter))]
public sealed class IPAMBlockSpec
{
    [JsonPropertyName("cidr")]
    public string Cidr { get; set; } = "";

    /// <summary><c>host:&lt;node&gt;</c>, <c>virtual:&lt;name&gt;</c>, or null for an unaffine block.</summary>
    [JsonPropertyName("affinity")]
    public string? Affinity { get; set; }

    [JsonPropertyName("affinityClaimTime")]
    public DateTime? AffinityClaimTime { get; set; }

    /// <summary>One entry per ordinal: null when free, else an index into <see cref="Attributes"/>.</summary>
    [JsonPropertyName("allocations")]
    public List<int?> Allocations { get; set; } = [];

    /// <summary>Free ordinals, FIFO: allocation pops the front, release appends to the back.</summary>
    [JsonPropertyName("unallocated")]
    public List<int> Unallocated { get; set; } = [];

    [JsonPropertyName("attributes")]
    public List<AllocationAttribute> Attributes { get; set; } = [];

    [JsonPropertyName("sequenceNumber")]
    public ulong SequenceNumber { get; set; }

    /// <summary>Block sequence number at the time each ordinal (as a decimal string) was allocated.</summary>
    [JsonPropertyName("sequenceNumberForAllocation")]
    public Dictionary<string, ulong>? SequenceNumberForAllocation { get; set; }

    [JsonPropertyName("deleted")]
    public bool Deleted { get; set; }

    /// <summary>Deprecated and unused by Calico, but required by the v1 CRD schema: always written as false.</summary>
    [JsonPropertyName("strictAffinity")]
    public bool StrictAffinity { get; set; }

    /// <summary>Legacy bare-hostname affinity of very old blocks.</summary>
    [JsonPropertyName("hostAffinity")]
    public string? HostAffinity { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>An allocation's owner: Calico's <c>AllocationAttribute</c> with its exact JSON keys.</summary>
public sealed class AllocationAttribute
{
    [JsonPropertyName("handle_id")]
    public string? HandleId { get; set; }

    [JsonPropertyName("secondary")]
    public Dictionary<string, string>? Secondary { get; set; }

    [JsonPropertyName("alternateOwnerAttrs")]
    public Dictionary<string, string>? AlternateOwnerAttrs { get; set; }

    /// <summary>Set when the ordinal was released but is still cooling down (IP cooldown).</summary>
    [JsonPropertyName("releasedAt")]
    public DateTime? ReleasedAt { get; set; }
}
