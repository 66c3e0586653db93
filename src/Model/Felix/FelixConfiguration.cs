using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Felix;

/// <summary>
/// Felix settings (<c>projectcalico.org/v3</c> FelixConfiguration): the object named <c>default</c>, plus
/// <c>node.&lt;name&gt;</c> objects whose fields override it for one node. Only commonly used fields are typed; the
/// other hundred-odd survive in <see cref="FelixConfigurationSpec.Extra"/>.
/// </summary>
public sealed class FelixConfiguration : Resource<FelixConfigurationSpec>
{
    public const string DefaultName = "default";
    public const string NodePrefix = "node.";
}

public sealed class FelixConfigurationSpec
{
    [JsonPropertyName("logSeverityScreen")]
    public string? LogSeverityScreen { get; set; }

    [JsonPropertyName("logSeverityFile")]
    public string? LogSeverityFile { get; set; }

    [JsonPropertyName("logSeveritySys")]
    public string? LogSeveritySys { get; set; }

    /// <summary>A Go duration (default <c>30s</c>); <c>0</c> disables status reports.</summary>
    [JsonPropertyName("reportingInterval")]
    public string? ReportingInterval { get; set; }

    [JsonPropertyName("ipv6Support")]
    public bool? IPv6Support { get; set; }

    /// <summary>Null means Felix decides from the IP pools.</summary>
    [JsonPropertyName("ipipEnabled")]
    public bool? IpipEnabled { get; set; }

    [JsonPropertyName("ipipMTU")]
    public int? IpipMTU { get; set; }

    /// <summary>Null means Felix decides from the IP pools.</summary>
    [JsonPropertyName("vxlanEnabled")]
    public bool? VxlanEnabled { get; set; }

    [JsonPropertyName("vxlanVNI")]
    public int? VxlanVNI { get; set; }

    [JsonPropertyName("vxlanPort")]
    public int? VxlanPort { get; set; }

    [JsonPropertyName("vxlanMTU")]
    public int? VxlanMTU { get; set; }

    [JsonPropertyName("vxlanMTUV6")]
    public int? VxlanMTUV6 { get; set; }

    [JsonPropertyName("wireguardEnabled")]
    public bool? WireguardEnabled { get; set; }

    [JsonPropertyName("wireguardEnabledV6")]
    public bool? WireguardEnabledV6 { get; set; }

    [JsonPropertyName("wireguardListeningPort")]
    public int? WireguardListeningPort { get; set; }

    [JsonPropertyName("wireguardInterfaceName")]
    public string? WireguardInterfaceName { get; set; }

    [JsonPropertyName("wireguardMTU")]
    public int? WireguardMTU { get; set; }

    /// <summary>Prefix of workload interface names (default <c>cali</c>).</summary>
    [JsonPropertyName("interfacePrefix")]
    public string? InterfacePrefix { get; set; }

    [JsonPropertyName("interfaceExclude")]
    public string? InterfaceExclude { get; set; }

    /// <summary>Drop (default), Accept or Return, after the workload's egress policy.</summary>
    [JsonPropertyName("defaultEndpointToHostAction")]
    public string? DefaultEndpointToHostAction { get; set; }

    /// <summary>Null means the defaults; an empty list (Calico's <c>[]</c>) disables inbound failsafes.</summary>
    [JsonPropertyName("failsafeInboundHostPorts")]
    public List<ProtoPort>? FailsafeInboundHostPorts { get; set; }

    /// <summary>Null means the defaults; an empty list disables outbound failsafes.</summary>
    [JsonPropertyName("failsafeOutboundHostPorts")]
    public List<ProtoPort>? FailsafeOutboundHostPorts { get; set; }

    /// <summary><c>insert</c> (default) or <c>append</c>.</summary>
    [JsonPropertyName("chainInsertMode")]
    public string? ChainInsertMode { get; set; }

    [JsonPropertyName("iptablesBackend")]
    public string? IptablesBackend { get; set; }

    [JsonPropertyName("iptablesFilterDenyAction")]
    public string? IptablesFilterDenyAction { get; set; }

    [JsonPropertyName("nftablesMode")]
    public string? NftablesMode { get; set; }

    [JsonPropertyName("nftablesFilterDenyAction")]
    public string? NftablesFilterDenyAction { get; set; }

    [JsonPropertyName("nftablesRefreshInterval")]
    public string? NftablesRefreshInterval { get; set; }

    [JsonPropertyName("bpfEnabled")]
    public bool? BpfEnabled { get; set; }

    [JsonPropertyName("routeRefreshInterval")]
    public string? RouteRefreshInterval { get; set; }

    /// <summary>Deprecated; <see cref="RouteTableRanges"/> overrides it.</summary>
    [JsonPropertyName("routeTableRange")]
    public RouteTableRange? RouteTableRange { get; set; }

    [JsonPropertyName("routeTableRanges")]
    public List<RouteTableRange>? RouteTableRanges { get; set; }

    /// <summary>CalicoIPAM (default: routes from IPAM blocks) or WorkloadIPs (routes from workload endpoints).</summary>
    [JsonPropertyName("routeSource")]
    public string? RouteSource { get; set; }

    [JsonPropertyName("ipForwarding")]
    public string? IpForwarding { get; set; }

    [JsonPropertyName("mtuIfacePattern")]
    public string? MtuIfacePattern { get; set; }

    [JsonPropertyName("natOutgoingAddress")]
    public string? NatOutgoingAddress { get; set; }

    [JsonPropertyName("logPrefix")]
    public string? LogPrefix { get; set; }

    [JsonPropertyName("healthEnabled")]
    public bool? HealthEnabled { get; set; }

    [JsonPropertyName("healthHost")]
    public string? HealthHost { get; set; }

    [JsonPropertyName("healthPort")]
    public int? HealthPort { get; set; }

    [JsonPropertyName("prometheusMetricsEnabled")]
    public bool? PrometheusMetricsEnabled { get; set; }

    [JsonPropertyName("prometheusMetricsHost")]
    public string? PrometheusMetricsHost { get; set; }

    [JsonPropertyName("prometheusMetricsPort")]
    public int? PrometheusMetricsPort { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>
/// A failsafe port: protocol (<c>tcp</c>/<c>udp</c>/<c>sctp</c>, lower-case here unlike rule protocols), port, and an
/// optional peer CIDR. Calico always writes <c>net</c>, empty when unset.
/// </summary>
public sealed class ProtoPort
{
    [JsonPropertyName("protocol")]
    public string Protocol { get; set; } = "";

    [JsonPropertyName("port")]
    public ushort Port { get; set; }

    [JsonPropertyName("net")]
    public string Net { get; set; } = "";
}

/// <summary>An inclusive range of Linux routing-table indices Felix may use.</summary>
public sealed class RouteTableRange
{
    [JsonPropertyName("min")]
    public int Min { get; set; }

    [JsonPropertyName("max")]
    public int Max { get; set; }
}
