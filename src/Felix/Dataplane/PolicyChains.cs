using System.Collections.Immutable;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// A policy rendered once: its chain names, its chains per direction it governs (null where it does not) and the sets
/// its rules name, requested again in every round that uses the policy.
/// </summary>
internal sealed record PolicyChains(
    string IngressName, NftChain? Ingress, string EgressName, NftChain? Egress, ImmutableArray<SetRequest> Sets);
