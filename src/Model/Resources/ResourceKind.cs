using System.Text.Json.Serialization.Metadata;

namespace CniNet.Model.Resources;

/// <summary>What the stack knows about one kind: its group/version, scope, JSON contract and CLI names.</summary>
public sealed class ResourceKind(string kind, string apiVersion, bool namespaced, Func<JsonTypeInfo> typeInfo, IReadOnlyList<string> aliases)
{
    private JsonTypeInfo? _typeInfo;

    public string Kind { get; } = kind;

    public string ApiVersion { get; } = apiVersion;

    public bool Namespaced { get; } = namespaced;

    /// <summary>
    /// The JSON contract, made on first use: configuring a kind's contract walks its whole type graph (converters,
    /// attributes, properties), and a plugin that starts once per pod should pay that only for the kinds it touches.
    /// </summary>
    public JsonTypeInfo TypeInfo => _typeInfo ??= typeInfo();

    public IReadOnlyList<string> Aliases { get; } = aliases;

    public const string CalicoV3 = "projectcalico.org/v3";
    public const string CalicoCrdV1 = "crd.projectcalico.org/v1";
    public const string CoreV1 = "v1";

    /// <summary>A Kubernetes kind (core or another API group), not one of Calico's.</summary>
    public bool IsKubernetes => ApiVersion is not (CalicoV3 or CalicoCrdV1);

    /// <summary>
    /// The kind's key in a datastore. Kubernetes objects are prefixed with their API group (<c>core.</c> for the core
    /// group) because Calico's v3 kinds share names with them: <c>Node</c>, <c>NetworkPolicy</c>.
    /// </summary>
    public string StoreKind => !IsKubernetes ? Kind : ApiVersion == CoreV1 ? "core." + Kind : $"{ApiVersion[..ApiVersion.IndexOf('/')]}.{Kind}";

    public static ResourceKind Of<T>(string kind, string apiVersion, bool namespaced, Func<JsonTypeInfo<T>> typeInfo, params string[] aliases)
        where T : Resource =>
        new(kind, apiVersion, namespaced, typeInfo, aliases);
}
