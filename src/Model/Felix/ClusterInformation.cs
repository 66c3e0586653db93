using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Resources;

namespace CniNet.Model.Felix;

/// <summary>
/// Cluster-wide facts written by calico-node at start-up (<c>projectcalico.org/v3</c> ClusterInformation, the object
/// named <c>default</c>).
/// </summary>
public sealed class ClusterInformation : Resource<ClusterInformationSpec>
{
    public const string DefaultName = "default";
}

public sealed class ClusterInformationSpec
{
    [JsonPropertyName("clusterGUID")]
    public string? ClusterGUID { get; set; }

    /// <summary>Comma-separated tags such as <c>k8s,bgp,kubeadm</c>.</summary>
    [JsonPropertyName("clusterType")]
    public string? ClusterType { get; set; }

    [JsonPropertyName("calicoVersion")]
    public string? CalicoVersion { get; set; }

    /// <summary>Felix waits while this is false (set during datastore migrations); null counts as ready.</summary>
    [JsonPropertyName("datastoreReady")]
    public bool? DatastoreReady { get; set; }

    [JsonPropertyName("variant")]
    public string? Variant { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
