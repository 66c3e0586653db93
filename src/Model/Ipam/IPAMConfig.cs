using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Ipam;

/// <summary>Storage shape of the IPAM settings singleton <c>default</c> (<c>crd.projectcalico.org/v1</c> IPAMConfig).</summary>
public sealed class IPAMConfig : Resource<IPAMConfigSpec>
{
    public const string SingletonName = "default";
}

/// <summary>The user-facing <c>projectcalico.org/v3</c> IPAMConfiguration; same spec as the storage shape.</summary>
public sealed class IPAMConfiguration : Resource<IPAMConfigSpec>;

public sealed class IPAMConfigSpec
{
    /// <summary>Calico's allocator treats 0 as this many blocks per host and IP family.</summary>
    public const int ImplicitMaxBlocksPerHost = 20;
    public const int MaxIpCooldownSeconds = 1200;

    [JsonPropertyName("strictAffinity")]
    public bool StrictAffinity { get; set; }

    [JsonPropertyName("autoAllocateBlocks")]
    public bool AutoAllocateBlocks { get; set; } = true;

    [JsonPropertyName("maxBlocksPerHost")]
    public int MaxBlocksPerHost { get; set; }

    [JsonPropertyName("kubeVirtVMAddressPersistence")]
    public string? KubeVirtVMAddressPersistence { get; set; }

    [JsonPropertyName("ipCooldownSeconds")]
    public int IpCooldownSeconds { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
