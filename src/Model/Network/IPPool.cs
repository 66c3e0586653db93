using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Network;

/// <summary>A range of addresses the IPAM hands out (<c>projectcalico.org/v3</c> IPPool).</summary>
public sealed class IPPool : Resource<IPPoolSpec>;

public sealed class IPPoolSpec
{
    public const string UseWorkload = "Workload";
    public const string UseTunnel = "Tunnel";
    public const string UseLoadBalancer = "LoadBalancer";
    public const string ModeNever = "Never";
    public const string ModeAlways = "Always";
    public const string ModeCrossSubnet = "CrossSubnet";
    public const string AssignmentAutomatic = "Automatic";
    public const string AssignmentManual = "Manual";

    [JsonPropertyName("cidr")]
    public string Cidr { get; set; } = "";

    [JsonPropertyName("vxlanMode")]
    public string? VxlanMode { get; set; }

    [JsonPropertyName("ipipMode")]
    public string? IpipMode { get; set; }

    [JsonPropertyName("natOutgoing")]
    public bool NatOutgoing { get; set; }

    [JsonPropertyName("disabled")]
    public bool Disabled { get; set; }

    [JsonPropertyName("disableBGPExport")]
    public bool DisableBGPExport { get; set; }

    /// <summary>Prefix length of the blocks carved from the pool; 0 means the family default (26 or 122).</summary>
    [JsonPropertyName("blockSize")]
    public int BlockSize { get; set; }

    [JsonPropertyName("nodeSelector")]
    public string? NodeSelector { get; set; }

    [JsonPropertyName("namespaceSelector")]
    public string? NamespaceSelector { get; set; }

    [JsonPropertyName("allowedUses")]
    public List<string>? AllowedUses { get; set; }

    [JsonPropertyName("assignmentMode")]
    public string? AssignmentMode { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    [JsonIgnore]
    public IReadOnlyList<string> EffectiveAllowedUses => AllowedUses is { Count: > 0 } ? AllowedUses : [UseWorkload, UseTunnel];

    [JsonIgnore]
    public bool IsManual => AssignmentMode == AssignmentManual;

    public static int DefaultBlockSize(bool v6) => v6 ? 122 : 26;
}
