using System.Text.Json.Serialization;
using CniNet.Model.Bgp;
using CniNet.Model.Felix;
using CniNet.Model.Policy;

namespace CniNet.Model.Resources;

/// <summary>Source-generated JSON contracts for the policy, BGP and Felix kinds (AOT: no reflection).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(NetworkPolicy))]
[JsonSerializable(typeof(GlobalNetworkPolicy))]
[JsonSerializable(typeof(Tier))]
[JsonSerializable(typeof(NetworkSet))]
[JsonSerializable(typeof(GlobalNetworkSet))]
[JsonSerializable(typeof(HostEndpoint))]
[JsonSerializable(typeof(WorkloadEndpoint))]
[JsonSerializable(typeof(Profile))]
[JsonSerializable(typeof(BGPConfiguration))]
[JsonSerializable(typeof(BGPPeer))]
[JsonSerializable(typeof(FelixConfiguration))]
[JsonSerializable(typeof(ClusterInformation))]
public sealed partial class PolicyJsonContext : JsonSerializerContext;
