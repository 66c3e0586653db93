using System.Text.Json.Serialization.Metadata;

namespace CniNet.Model.Resources;

/// <summary>What the stack knows about one kind: its group/version, scope, JSON contract and CLI names.</summary>
public sealed record ResourceKind(
    string Kind,
    string ApiVersion,
    bool Namespaced,
    JsonTypeInfo TypeInfo,
    IReadOnlyList<string> Aliases)
{
    public const string CalicoV3 = "projectcalico.org/v3";
    public const string CalicoCrdV1 = "crd.projectcalico.org/v1";
    public const string CoreV1 = "v1";

    /// <summary>
    /// The kind's key in a datastore. Kubernetes core objects are prefixed because Calico's v3 <c>Node</c> and the
    /// core <c>Node</c> share a kind name.
    /// </summary>
    public string StoreKind => ApiVersion == CoreV1 ? "core." + Kind : Kind;

    public static ResourceKind Of<T>(string kind, string apiVersion, bool namespaced, JsonTypeInfo<T> typeInfo, params string[] aliases)
        where T : Resource =>
        new(kind, apiVersion, namespaced, typeInfo, aliases);
}
