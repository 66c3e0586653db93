using System.Text;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Kubernetes;

/// <summary>
/// A Kubernetes core Secret (kind <c>Secret</c>, apiVersion <c>v1</c>): <c>data</c> values are base64 in JSON and YAML,
/// <c>stringData</c> values plain text. The API server folds <c>stringData</c> into <c>data</c> on write (a key in both
/// takes the <c>stringData</c> value); a stored object of the embedded store may still carry either.
/// </summary>
public sealed class Secret : Resource
{
    public const string TypeOpaque = "Opaque";

    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("data")]
    public Dictionary<string, byte[]>? Data { get; set; }

    [JsonPropertyName("stringData")]
    public Dictionary<string, string>? StringData { get; set; }

    /// <summary>The bytes of <paramref name="key"/> as the API server would hold them, or null when the Secret has no such key.</summary>
    public byte[]? ValueOf(string key) =>
        StringData?.GetValueOrDefault(key) is { } text ? Encoding.UTF8.GetBytes(text) : Data?.GetValueOrDefault(key);
}
