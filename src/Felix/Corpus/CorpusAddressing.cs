using System.Collections.Immutable;
using System.Net;

namespace CniNet.Felix.Corpus;

/// <summary>
/// The corpus' address plan for pods created by a step: <c>192.168.&lt;ns&gt;.&lt;pod&gt;</c> with namespaces
/// x=1, y=2, z=3, w=8, y-2=9 and pods a=10, b=20, c=30, d=40.
/// </summary>
public static class CorpusAddressing
{
    private static readonly ImmutableDictionary<string, int> NamespaceOctets =
        ImmutableDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, int>
        {
            ["x"] = 1, ["y"] = 2, ["z"] = 3, ["w"] = 8, ["y-2"] = 9,
        });

    private static readonly ImmutableDictionary<string, int> PodOctets =
        ImmutableDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, int>
        {
            ["a"] = 10, ["b"] = 20, ["c"] = 30, ["d"] = 40,
        });

    public static IPAddress PodIp(string ns, string pod) =>
        NamespaceOctets.TryGetValue(ns, out var nsOctet) && PodOctets.TryGetValue(pod, out var podOctet)
            ? new IPAddress([192, 168, (byte)nsOctet, (byte)podOctet])
            : throw new ArgumentException($"pod {ns}/{pod} is outside the corpus address plan and the action gives no ip");
}
