using System.Text.Json.Serialization;
using CniNet.Model.Ipam;
using CniNet.Model.Kubernetes;
using CniNet.Model.Network;

namespace CniNet.Model.Resources;

/// <summary>Source-generated JSON contracts for the IPAM, network and Kubernetes core kinds (AOT: no reflection).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IPAMBlock))]
[JsonSerializable(typeof(BlockAffinity))]
[JsonSerializable(typeof(IPAMHandle))]
[JsonSerializable(typeof(IPAMConfig))]
[JsonSerializable(typeof(IPAMConfiguration))]
[JsonSerializable(typeof(IPPool))]
[JsonSerializable(typeof(IPReservation))]
[JsonSerializable(typeof(Node))]
[JsonSerializable(typeof(Namespace))]
[JsonSerializable(typeof(ServiceAccount))]
[JsonSerializable(typeof(Pod))]
[JsonSerializable(typeof(KubernetesNode))]
[JsonSerializable(typeof(KubernetesNetworkPolicy))]
[JsonSerializable(typeof(Secret))]
[JsonSerializable(typeof(Service))]
[JsonSerializable(typeof(EndpointSlice))]
[JsonSerializable(typeof(Dictionary<string, string>))]
public sealed partial class ModelJsonContext : JsonSerializerContext;
