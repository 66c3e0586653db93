using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Bgp;

/// <summary>
/// A BGP peering for one node, the nodes a selector picks, or (with neither) all nodes
/// (<c>projectcalico.org/v3</c> BGPPeer).
/// </summary>
public sealed class BGPPeer : Resource<BGPPeerSpec>;

public sealed class BGPPeerSpec
{
    public const string SourceAddressUseNodeIP = "UseNodeIP";
    public const string SourceAddressNone = "None";
    public const string NextHopModeAuto = "Auto";
    public const string NextHopModeSelf = "Self";
    public const string NextHopModeKeep = "Keep";
    public const string ReversePeeringAuto = "Auto";
    public const string ReversePeeringManual = "Manual";

    [JsonPropertyName("node")]
    public string? Node { get; set; }

    [JsonPropertyName("nodeSelector")]
    public string? NodeSelector { get; set; }

    /// <summary><c>ip</c>, <c>ip:port</c> or <c>[v6]:port</c>.</summary>
    [JsonPropertyName("peerIP")]
    public string? PeerIP { get; set; }

    [JsonPropertyName("asNumber")]
    public uint? AsNumber { get; set; }

    /// <summary>Overrides this node's AS for this peering only.</summary>
    [JsonPropertyName("localASNumber")]
    public uint? LocalASNumber { get; set; }

    /// <summary>Peer with the Calico nodes this selects, using their addresses and AS numbers.</summary>
    [JsonPropertyName("peerSelector")]
    public string? PeerSelector { get; set; }

    /// <summary>Deprecated in favour of <see cref="NextHopMode"/>, which wins when both are set.</summary>
    [JsonPropertyName("keepOriginalNextHop")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool KeepOriginalNextHop { get; set; }

    [JsonPropertyName("nextHopMode")]
    public string? NextHopMode { get; set; }

    [JsonPropertyName("password")]
    public BGPPassword? Password { get; set; }

    [JsonPropertyName("sourceAddress")]
    public string? SourceAddress { get; set; }

    /// <summary>Graceful-restart time, a Go duration such as <c>120s</c>.</summary>
    [JsonPropertyName("maxRestartTime")]
    public string? MaxRestartTime { get; set; }

    /// <summary>A Go duration such as <c>30s</c>.</summary>
    [JsonPropertyName("keepaliveTime")]
    public string? KeepaliveTime { get; set; }

    [JsonPropertyName("numAllowedLocalASNumbers")]
    public int? NumAllowedLocalASNumbers { get; set; }

    /// <summary>GTSM: the number of hops to the peer.</summary>
    [JsonPropertyName("ttlSecurity")]
    public byte? TtlSecurity { get; set; }

    /// <summary>BGPFilter names, applied in order.</summary>
    [JsonPropertyName("filters")]
    public List<string>? Filters { get; set; }

    /// <summary>A gateway; Calico adds a static /32 (or /128) route to the peer through it to avoid flapping.</summary>
    [JsonPropertyName("reachableBy")]
    public string? ReachableBy { get; set; }

    /// <summary>Peer with local workloads (for example VMs) this selects; needs <see cref="AsNumber"/>.</summary>
    [JsonPropertyName("localWorkloadSelector")]
    public string? LocalWorkloadSelector { get; set; }

    [JsonPropertyName("reversePeering")]
    public string? ReversePeering { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
