using System.Text.Json.Serialization;

namespace CniNet.Model.Kubernetes;

/// <summary>Traffic a NetworkPolicy lets out: to any of the peers (none listed: any destination) on any of the ports.</summary>
public sealed class NetworkPolicyEgressRule
{
    [JsonPropertyName("to")]
    public List<NetworkPolicyPeer>? To { get; set; }

    [JsonPropertyName("ports")]
    public List<NetworkPolicyPort>? Ports { get; set; }
}
