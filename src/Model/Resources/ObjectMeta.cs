using System.Text.Json;
using System.Text.Json.Serialization;

namespace CniNet.Model.Resources;

/// <summary>Kubernetes-style object metadata, as Calico's v3 and v1 resources carry it.</summary>
public sealed class ObjectMeta
{
    public string Name { get; set; } = "";

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    public string? ResourceVersion { get; set; }

    public string? Uid { get; set; }

    public DateTime? CreationTimestamp { get; set; }

    public DateTime? DeletionTimestamp { get; set; }

    public long? Generation { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    public Dictionary<string, string>? Annotations { get; set; }

    public List<string>? Finalizers { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
