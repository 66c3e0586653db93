using System.Collections.Immutable;

namespace CniNet.Felix.Dataplane;

/// <summary>A chain as written: its hook declaration when it is a base chain, and its rules as nft text, in order.</summary>
internal sealed record NftChain(string? Hook, ImmutableArray<string> Rules)
{
    public bool SameAs(NftChain other) =>
        ReferenceEquals(this, other) || (Hook == other.Hook && Rules.SequenceEqual(other.Rules));
}
