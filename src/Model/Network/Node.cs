using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Network;

/// <summary>A Calico node (<c>projectcalico.org/v3</c> Node): its BGP identity, tunnel addresses and labels.</summary>
public sealed class Node : Resource<NodeSpec>
{
    public NodeStatus? Status { get; set; }
}

public sealed class NodeSpec
{
    [JsonPropertyName("addresses")]
    public List<NodeAddress>? Addresses { get; set; }

    [JsonPropertyName("bgp")]
    public NodeBgpSpec? Bgp { get; set; }

    [JsonPropertyName("ipv4VXLANTunnelAddr")]
    public string? IPv4VXLANTunnelAddr { get; set; }

    [JsonPropertyName("vxlanTunnelMACAddr")]
    public string? VxlanTunnelMACAddr { get; set; }

    [JsonPropertyName("ipv6VXLANTunnelAddr")]
    public string? IPv6VXLANTunnelAddr { get; set; }

    [JsonPropertyName("vxlanTunnelMACAddrV6")]
    public string? VxlanTunnelMACAddrV6 { get; set; }

    [JsonPropertyName("orchRefs")]
    public List<OrchRef>? OrchRefs { get; set; }

    [JsonPropertyName("wireguard")]
    public NodeWireguardSpec? Wireguard { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class NodeAddress
{
    [JsonPropertyName("address")]
    public string Address { get; set; } = "";

    [JsonPropertyName("type")]
    public string? Type { get; set; }
}

public sealed class NodeBgpSpec
{
    [JsonPropertyName("asNumber")]
    public uint? AsNumber { get; set; }

    [JsonPropertyName("ipv4Address")]
    public string? IPv4Address { get; set; }

    [JsonPropertyName("ipv6Address")]
    public string? IPv6Address { get; set; }

    [JsonPropertyName("ipv4IPIPTunnelAddr")]
    public string? IPv4IPIPTunnelAddr { get; set; }

    [JsonPropertyName("routeReflectorClusterID")]
    public string? RouteReflectorClusterID { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class OrchRef
{
    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }

    [JsonPropertyName("orchestrator")]
    public string Orchestrator { get; set; } = "";
}

public sealed class NodeWireguardSpec
{
    [JsonPropertyName("interfaceIPv4Address")]
    public string? InterfaceIPv4Address { get; set; }

    [JsonPropertyName("interfaceIPv6Address")]
    public string? InterfaceIPv6Address { get; set; }
}

public sealed class NodeStatus
{
    [JsonPropertyName("wireguardPublicKey")]
    public string? WireguardPublicKey { get; set; }

    [JsonPropertyName("wireguardPublicKeyV6")]
    public string? WireguardPublicKeyV6 { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
