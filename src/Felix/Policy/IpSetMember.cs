using System.Collections.Immutable;
using CniNet.Felix.Calc;
using CniNet.Model.Net;

namespace CniNet.Felix.Policy;

/// <summary>Something a selector can put into an IP set: a workload (its address, its named ports) or a network set.</summary>
internal sealed record IpSetMember(
    IReadOnlyDictionary<string, string> Labels, ImmutableArray<Cidr> Nets, ImmutableArray<NamedPort> NamedPorts);
