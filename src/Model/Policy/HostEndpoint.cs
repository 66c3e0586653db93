using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Policy;

/// <summary>
/// A host interface (or, with <c>interfaceName: "*"</c>, all of the host) under policy
/// (<c>projectcalico.org/v3</c> HostEndpoint).
/// </summary>
public sealed class HostEndpoint : Resource<HostEndpointSpec>;

public sealed class HostEndpointSpec
{
    public const string AllInterfaces = "*";

    [JsonPropertyName("node")]
    public string? Node { get; set; }

    /// <summary>An interface name, <c>*</c>, or empty to find the interface by <see cref="ExpectedIPs"/>.</summary>
    [JsonPropertyName("interfaceName")]
    public string? InterfaceName { get; set; }

    /// <summary>What selectors resolve this endpoint to; Calico does not learn the interface's own addresses.</summary>
    [JsonPropertyName("expectedIPs")]
    public List<string>? ExpectedIPs { get; set; }

    [JsonPropertyName("profiles")]
    public List<string>? Profiles { get; set; }

    [JsonPropertyName("ports")]
    public List<EndpointPort>? Ports { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A named port of a host endpoint, for named-port matches in rules.</summary>
public sealed class EndpointPort
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("protocol")]
    public Protocol Protocol { get; set; }

    [JsonPropertyName("port")]
    public ushort Port { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
