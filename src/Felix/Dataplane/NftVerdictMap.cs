using System.Collections.Immutable;

namespace CniNet.Felix.Dataplane;

/// <summary>A verdict map as written: the key type and, per key (nft text), the verdict (e.g. <c>goto tw-cali1</c>).</summary>
internal sealed record NftVerdictMap(string KeyType, ImmutableSortedDictionary<string, string> Elements);
