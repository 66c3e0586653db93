using System.Text.Json.Serialization;

namespace CniNet.Model.Kubernetes;

/// <summary>Traffic a NetworkPolicy admits: from any of the peers (none listed: any source) to any of the ports.</summary>
public sealed class NetworkPolicyIngressRule
{
    [JsonPropertyName("from")]
    public List<NetworkPolicyPeer>? From { get; set; }

    [JsonPropertyName("ports")]
    public List<NetworkPolicyPort>? Ports { get; set; }
}
