using System.Text.Json.Serialization;
using CniNet.IpamCore;

namespace CniNet.Ctl;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(IpamCheckReport))]
internal sealed partial class CtlJsonContext : JsonSerializerContext;
