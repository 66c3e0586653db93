using System.Text.Json;
using System.Text.Json.Serialization;

namespace CniNet.Model.Policy;

/// <summary>One ingress or egress rule of a policy or profile: match criteria (all ANDed) and an action.</summary>
public sealed class Rule
{
    public const string ActionAllow = "Allow";
    public const string ActionDeny = "Deny";
    public const string ActionLog = "Log";
    public const string ActionPass = "Pass";

    [JsonPropertyName("action")]
    public string Action { get; set; } = "";

    [JsonPropertyName("ipVersion")]
    public int? IpVersion { get; set; }

    [JsonPropertyName("protocol")]
    public Protocol? Protocol { get; set; }

    [JsonPropertyName("notProtocol")]
    public Protocol? NotProtocol { get; set; }

    [JsonPropertyName("icmp")]
    public ICMPFields? Icmp { get; set; }

    [JsonPropertyName("notICMP")]
    public ICMPFields? NotICMP { get; set; }

    [JsonPropertyName("source")]
    public EntityRule? Source { get; set; }

    [JsonPropertyName("destination")]
    public EntityRule? Destination { get; set; }

    [JsonPropertyName("http")]
    public HTTPMatch? Http { get; set; }

    [JsonPropertyName("metadata")]
    public RuleMetadata? Metadata { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>L7 match (methods and paths ORed within, ANDed together); only valid on Allow rules.</summary>
public sealed class HTTPMatch
{
    [JsonPropertyName("methods")]
    public List<string>? Methods { get; set; }

    [JsonPropertyName("paths")]
    public List<HTTPPath>? Paths { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>An exact path or a path prefix; Calico allows only one of the two per entry.</summary>
public sealed class HTTPPath
{
    [JsonPropertyName("exact")]
    public string? Exact { get; set; }

    [JsonPropertyName("prefix")]
    public string? Prefix { get; set; }
}

/// <summary>Rule annotations; Felix renders them as rule comments.</summary>
public sealed class RuleMetadata
{
    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; set; }
}
