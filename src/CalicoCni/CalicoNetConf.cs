using System.Text.Json;
using System.Text.Json.Serialization;

namespace CniNet.CalicoCni;

/// <summary>
/// Calico's network configuration (the plugin object of the conflist as the runtime passes it), with Calico's key
/// names, plus <c>sqlite_path</c> for the embedded store. Keys not listed here are ignored, as Calico ignores them.
/// </summary>
public sealed class CalicoNetConf
{
    [JsonPropertyName("cniVersion")] public string? CniVersion { get; set; }
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("ipam")] public IpamConf Ipam { get; set; } = new();
    [JsonPropertyName("datastore_type")] public string? DatastoreType { get; set; }
    [JsonPropertyName("sqlite_path")] public string? SqlitePath { get; set; }
    [JsonPropertyName("etcd_endpoints")] public string? EtcdEndpoints { get; set; }
    [JsonPropertyName("etcd_ca_cert_file")] public string? EtcdCaCertFile { get; set; }
    [JsonPropertyName("etcd_cert_file")] public string? EtcdCertFile { get; set; }
    [JsonPropertyName("etcd_key_file")] public string? EtcdKeyFile { get; set; }
    [JsonPropertyName("nodename")] public string? Nodename { get; set; }
    [JsonPropertyName("nodename_file")] public string? NodenameFile { get; set; }
    [JsonPropertyName("nodename_file_optional")] public bool NodenameFileOptional { get; set; }
    [JsonPropertyName("mtu")] public int Mtu { get; set; }
    [JsonPropertyName("policy")] public PolicyConf Policy { get; set; } = new();
    [JsonPropertyName("kubernetes")] public KubernetesConf Kubernetes { get; set; } = new();
    [JsonPropertyName("container_settings")] public ContainerSettings ContainerSettings { get; set; } = new();
    [JsonPropertyName("feature_control")] public FeatureControl FeatureControl { get; set; } = new();
    [JsonPropertyName("log_level")] public string? LogLevel { get; set; }
    [JsonPropertyName("log_file_path")] public string? LogFilePath { get; set; }
    [JsonPropertyName("ipam_lock_file")] public string? IpamLockFile { get; set; }
    [JsonPropertyName("cni.dev/valid-attachments")] public List<Attachment>? ValidAttachments { get; set; }

    /// <summary>The misspelled key libcni 1.2 also sends (it was the key before the spec settled).</summary>
    [JsonPropertyName("cni.dev/attachments")] public List<Attachment>? LegacyAttachments { get; set; }

    public bool K8sPolicy => Policy.Type == "k8s";

    public static CalicoNetConf Parse(byte[] json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, CalicoJsonContext.Default.CalicoNetConf)
                   ?? throw new Cni.CniException(Cni.CniErrorCode.InvalidNetworkConfig, "the network configuration is null");
        }
        catch (JsonException e)
        {
            throw new Cni.CniException(Cni.CniErrorCode.InvalidNetworkConfig, $"invalid network configuration: {e.Message}");
        }
    }
}

public sealed class IpamConf
{
    [JsonPropertyName("type")] public string? Type { get; set; }

    /// <summary>Strings, as in Calico: IPv4 is on unless <c>"false"</c>.</summary>
    [JsonPropertyName("assign_ipv4")] public string? AssignIpv4 { get; set; }

    /// <summary>IPv6 is off unless <c>"true"</c>.</summary>
    [JsonPropertyName("assign_ipv6")] public string? AssignIpv6 { get; set; }

    [JsonPropertyName("ipv4_pools")] public List<string>? Ipv4Pools { get; set; }
    [JsonPropertyName("ipv6_pools")] public List<string>? Ipv6Pools { get; set; }
}

public sealed class PolicyConf
{
    [JsonPropertyName("type")] public string? Type { get; set; }
}

public sealed class KubernetesConf
{
    [JsonPropertyName("kubeconfig")] public string? Kubeconfig { get; set; }
}

public sealed class ContainerSettings
{
    [JsonPropertyName("allow_ip_forwarding")] public bool AllowIpForwarding { get; set; }
}

public sealed class FeatureControl
{
    [JsonPropertyName("ip_addrs_no_ipam")] public bool IpAddrsNoIpam { get; set; }
    [JsonPropertyName("floating_ips")] public bool FloatingIps { get; set; }
}

public sealed class Attachment
{
    [JsonPropertyName("containerID")] public string ContainerId { get; set; } = "";
    [JsonPropertyName("ifname")] public string IfName { get; set; } = "";
}

[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(CalicoNetConf))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class CalicoJsonContext : JsonSerializerContext;
