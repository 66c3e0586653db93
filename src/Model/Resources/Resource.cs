using System.Text.Json;
using System.Text.Json.Serialization;

namespace CniNet.Model.Resources;

/// <summary>
/// Any stored object: apiVersion, kind and metadata. Fields this model does not know are kept in
/// <see cref="Extra"/> so an object written by another Calico component survives a read-modify-write.
/// </summary>
public abstract class Resource
{
    [JsonPropertyOrder(-3)]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyOrder(-2)]
    public string Kind { get; set; } = "";

    [JsonPropertyOrder(-1)]
    public ObjectMeta Metadata { get; set; } = new();

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A resource with a typed <c>spec</c>.</summary>
public abstract class Resource<TSpec> : Resource where TSpec : new()
{
    public TSpec Spec { get; set; } = new();
}
