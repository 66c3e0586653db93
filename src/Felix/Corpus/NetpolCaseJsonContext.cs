using System.Text.Json.Serialization;
using CniNet.Model.Policy;

namespace CniNet.Felix.Corpus;

/// <summary>Source-generated JSON contracts for the case corpus and the Calico specs it embeds (AOT: no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(NetpolCaseFile))]
[JsonSerializable(typeof(NetworkPolicySpec))]
[JsonSerializable(typeof(GlobalNetworkPolicySpec))]
public sealed partial class NetpolCaseJsonContext : JsonSerializerContext;
