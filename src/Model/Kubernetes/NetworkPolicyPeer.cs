using System.Text.Json.Serialization;

namespace CniNet.Model.Kubernetes;

/// <summary>
/// One peer of a NetworkPolicy rule: pods by <see cref="PodSelector"/> (in the policy's namespace unless
/// <see cref="NamespaceSelector"/> is given; both given are ANDed), or addresses by <see cref="IpBlock"/>.
/// </summary>
public sealed class NetworkPolicyPeer
{
    [JsonPropertyName("podSelector")]
    public LabelSelector? PodSelector { get; set; }

    [JsonPropertyName("namespaceSelector")]
    public LabelSelector? NamespaceSelector { get; set; }

    [JsonPropertyName("ipBlock")]
    public IPBlock? IpBlock { get; set; }
}
