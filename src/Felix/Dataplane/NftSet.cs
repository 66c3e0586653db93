using System.Collections.Immutable;

namespace CniNet.Felix.Dataplane;

/// <summary>A named nftables set as written: its element type, whether it holds intervals (CIDRs), its elements as nft text.</summary>
internal sealed record NftSet(string Type, bool Interval, ImmutableSortedSet<string> Elements)
{
    /// <summary>The declaration body.</summary>
    public string Declaration => Interval ? $"type {Type}; flags interval;" : $"type {Type};";
}
