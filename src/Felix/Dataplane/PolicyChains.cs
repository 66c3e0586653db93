using System.Collections.Immutable;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// A policy rendered once: its chain names, its chains per direction it governs (null where it does not) and the sets
/// its rules need, each with whether it was empty then (its rules were written without it), held while the policy is
/// used.
/// </summary>
internal sealed record PolicyChains(
    string IngressName, NftChain? Ingress, string EgressName, NftChain? Egress,
    ImmutableArray<(SetRequest Request, bool Empty)> Sets)
{
    /// <summary>Some set's emptiness is no longer what the chains were written for.</summary>
    public bool Stale(IpSetRegistry sets) => Sets.Any(use => sets.IsEmpty(use.Request) != use.Empty);
}
