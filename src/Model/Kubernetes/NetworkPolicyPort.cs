using System.Text.Json.Serialization;

namespace CniNet.Model.Kubernetes;

/// <summary>
/// A port of a NetworkPolicy rule: a protocol (TCP when absent), a number or a container port name, and for a number
/// an optional inclusive <see cref="EndPort"/>. An entry without a port means every port of the protocol.
/// </summary>
public sealed class NetworkPolicyPort
{
    [JsonPropertyName("protocol")]
    public string? Protocol { get; set; }

    [JsonPropertyName("port")]
    public IntOrString? Port { get; set; }

    [JsonPropertyName("endPort")]
    public int? EndPort { get; set; }
}
