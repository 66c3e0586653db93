using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Policy;

/// <summary>
/// Rules and labels shared by the endpoints that list it, applied after tiered policy
/// (<c>projectcalico.org/v3</c> Profile). Kubernetes namespaces map to <c>kns.&lt;ns&gt;</c>, service accounts to
/// <c>ksa.&lt;ns&gt;.&lt;sa&gt;</c>.
/// </summary>
public sealed class Profile : Resource<ProfileSpec>;

public sealed class ProfileSpec
{
    [JsonPropertyName("ingress")]
    public List<Rule>? Ingress { get; set; }

    [JsonPropertyName("egress")]
    public List<Rule>? Egress { get; set; }

    /// <summary>Labels the endpoint inherits; its own labels win on a key clash.</summary>
    [JsonPropertyName("labelsToApply")]
    public Dictionary<string, string>? LabelsToApply { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
