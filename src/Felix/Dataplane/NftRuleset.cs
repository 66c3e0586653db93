using System.Collections.Immutable;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// Everything the dataplane owns in its table, keyed by name: what a batch wants written and, once a transaction
/// succeeded, the model of what the kernel holds (so the next batch is a diff, never a read of the ruleset).
/// </summary>
internal sealed record NftRuleset(
    ImmutableSortedDictionary<string, NftSet> Sets,
    ImmutableSortedDictionary<string, NftVerdictMap> Maps,
    ImmutableSortedDictionary<string, NftChain> Chains)
{
    public static NftRuleset Empty { get; } = new(
        ImmutableSortedDictionary.Create<string, NftSet>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, NftVerdictMap>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, NftChain>(StringComparer.Ordinal));

    public int RuleCount => Chains.Values.Sum(chain => chain.Rules.Length);
}
