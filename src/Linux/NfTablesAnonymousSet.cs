using System.Collections.Immutable;

namespace CniNet.Linux;

/// <summary>
/// A constant set that belongs to one rule (<c>th dport { 80, 443 }</c>): created in the same batch just before the
/// rule, named by the kernel (<c>__set%d</c>), referred to by its batch-local id, and freed with the rule.
/// </summary>
public sealed record NfTablesAnonymousSet(NfTablesSetSpec Spec, ImmutableArray<NfTablesElement> Elements);
