using System.Collections.Immutable;
using System.Net;

namespace CniNet.Felix.Calc;

/// <summary>
/// A pod as Felix sees its WorkloadEndpoint: namespace, name, the pod's own labels, its IP, service account and named
/// ports. The labels Calico adds (namespace, orchestrator, service account, profile labels) are derived, not stored.
/// </summary>
public sealed record PodEndpoint(
    string Namespace,
    string Name,
    ImmutableDictionary<string, string> Labels,
    IPAddress Ip,
    string ServiceAccount,
    ImmutableArray<NamedPort> Ports)
{
    /// <summary>"namespace/name", the form the corpus and kubectl use.</summary>
    public string Key => $"{Namespace}/{Name}";

    public NamedPort? FindNamedPort(string name) => Ports.FirstOrDefault(port => port.Name == name);
}
