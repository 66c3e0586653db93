using System.Collections.Immutable;
using System.Text;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// The text of one <c>nft -f -</c> transaction taking the table from what was written to what is wanted, in the
/// order knftables and Felix use so that nothing is referenced before it exists or deleted while still referenced:
/// sets and their element changes, maps, chain declarations, each changed chain flushed and re-added whole, map
/// element changes, then removals (removed chains flushed first so that removed chains may refer to each other, and
/// removed maps deleted before the chains their elements name).
/// Without a previous model (first write, or after a failure, when the kernel may have drifted) the table is deleted
/// and rebuilt inside the same transaction, so the swap is still atomic.
/// </summary>
internal sealed record NftTransaction(string Script, bool FullRewrite, int ChainsWritten, int SetsWritten, int ElementsChanged)
{
    public bool IsEmpty => Script.Length == 0;

    /// <summary>
    /// One transaction over several tables (see <see cref="TableLayout"/>): each table's part as
    /// <see cref="Between(string, NftRuleset?, NftRuleset)"/> writes it, in one script, so that all of them take effect
    /// together or none does.
    /// </summary>
    public static NftTransaction Between(
        ImmutableSortedDictionary<string, NftRuleset>? written, ImmutableSortedDictionary<string, NftRuleset> desired)
    {
        var script = new StringBuilder();
        int chains = 0, sets = 0, elements = 0;
        foreach (var (table, ruleset) in desired)
        {
            var part = Between(table, written?.GetValueOrDefault(table), ruleset);
            script.Append(part.Script);
            chains += part.ChainsWritten;
            sets += part.SetsWritten;
            elements += part.ElementsChanged;
        }
        return new NftTransaction(script.ToString(), written is null, chains, sets, elements);
    }

    public static NftTransaction Between(string table, NftRuleset? written, NftRuleset desired)
    {
        var t = $"inet {table}";
        var script = new StringBuilder();
        var chainsWritten = 0;
        var setsWritten = 0;
        var elementsChanged = 0;
        var full = written is null;
        var before = written ?? NftRuleset.Empty;
        if (full)
        {
            // "add" first: delete fails when the table is absent, and a transaction fails as a whole.
            script.Append("add table ").AppendLine(t);
            script.Append("delete table ").AppendLine(t);
            script.Append("add table ").AppendLine(t);
        }

        var removedSets = new List<string>();
        foreach (var (name, old, set) in Differences(before.Sets, desired.Sets, ReferenceEquals))
        {
            if (set is null)
            {
                removedSets.Add(name);
                continue;
            }
            // A set's name carries its type (s4-, n6-, ...), so an existing set never needs redeclaring.
            if (old is null)
            {
                script.Append("add set ").Append(t).Append(' ').Append(name).Append(" { ").Append(set.Declaration).AppendLine(" }");
                setsWritten++;
            }
            // Removals before additions: a pod's /32 may give way to a net that covers it, which may not overlap it.
            var removed = old is null ? [] : old.Elements.Except(set.Elements).ToList();
            var added = old is null ? [.. set.Elements] : set.Elements.Except(old.Elements).ToList();
            AppendElements(script, "delete", t, name, removed);
            AppendElements(script, "add", t, name, added);
            elementsChanged += removed.Count + added.Count;
        }

        var mapChanges = Differences(before.Maps, desired.Maps, ReferenceEquals).ToList();
        foreach (var (name, old, map) in mapChanges)
        {
            if (old is null && map is not null)
            {
                script.Append("add map ").Append(t).Append(' ').Append(name).Append(" { type ").Append(map.KeyType).AppendLine(" : verdict; }");
            }
        }

        var dirty = new List<(string Name, NftChain Chain)>();
        var removedChains = new List<string>();
        foreach (var (name, old, chain) in Differences(before.Chains, desired.Chains, (a, b) => a.SameAs(b)))
        {
            if (chain is null)
            {
                removedChains.Add(name);
                continue;
            }
            if (old is null)
            {
                script.Append("add chain ").Append(t).Append(' ').Append(name);
                script.AppendLine(chain.Hook is null ? "" : $" {{ {chain.Hook} }}");
            }
            else
            {
                script.Append("flush chain ").Append(t).Append(' ').AppendLine(name);
            }
            dirty.Add((name, chain));
        }
        foreach (var (name, chain) in dirty)
        {
            foreach (var rule in chain.Rules)
            {
                script.Append("add rule ").Append(t).Append(' ').Append(name).Append(' ').AppendLine(rule);
            }
            chainsWritten++;
        }

        foreach (var (name, old, map) in mapChanges.Where(change => change.After is not null))
        {
            var removed = new List<string>();
            var added = new List<string>();
            var oldElements = old?.Elements ?? ImmutableSortedDictionary<string, string>.Empty;
            foreach (var (key, oldVerdict, verdict) in Differences(oldElements, map!.Elements, string.Equals))
            {
                if (oldVerdict is not null) removed.Add(key);
                if (verdict is not null) added.Add($"{key} : {verdict}");
            }
            AppendElements(script, "delete", t, name, removed);
            AppendElements(script, "add", t, name, added);
            elementsChanged += removed.Count + added.Count;
        }

        foreach (var name in removedChains)
        {
            script.Append("flush chain ").Append(t).Append(' ').AppendLine(name);
        }
        // A removed map's elements still hold the chains they jump to: the map goes before them.
        foreach (var (name, _, _) in mapChanges.Where(change => change.After is null))
        {
            script.Append("delete map ").Append(t).Append(' ').AppendLine(name);
        }
        foreach (var name in removedChains)
        {
            script.Append("delete chain ").Append(t).Append(' ').AppendLine(name);
        }
        foreach (var name in removedSets)
        {
            script.Append("delete set ").Append(t).Append(' ').AppendLine(name);
        }
        return new NftTransaction(script.ToString(), full, chainsWritten, setsWritten, elementsChanged);
    }

    /// <summary>
    /// The entries that differ between two maps ordered by the ordinal comparer (as every map here is), in one merged
    /// pass over both: removed (After null), added (Before null) or changed.
    /// </summary>
    public static IEnumerable<(string Key, T? Before, T? After)> Differences<T>(
        ImmutableSortedDictionary<string, T> before, ImmutableSortedDictionary<string, T> after, Func<T, T, bool> same)
        where T : class
    {
        if (ReferenceEquals(before, after)) yield break;
        using var b = before.GetEnumerator();
        using var a = after.GetEnumerator();
        var hasBefore = b.MoveNext();
        var hasAfter = a.MoveNext();
        while (hasBefore || hasAfter)
        {
            var order = !hasBefore ? 1 : !hasAfter ? -1 : string.CompareOrdinal(b.Current.Key, a.Current.Key);
            if (order < 0)
            {
                yield return (b.Current.Key, b.Current.Value, null);
                hasBefore = b.MoveNext();
            }
            else if (order > 0)
            {
                yield return (a.Current.Key, null, a.Current.Value);
                hasAfter = a.MoveNext();
            }
            else
            {
                if (!same(b.Current.Value, a.Current.Value)) yield return (a.Current.Key, b.Current.Value, a.Current.Value);
                hasBefore = b.MoveNext();
                hasAfter = a.MoveNext();
            }
        }
    }

    private static void AppendElements(StringBuilder script, string verb, string table, string name, List<string> elements)
    {
        // Bounded lines: one huge element list is slow for nft to parse and hard to read in an error.
        foreach (var chunk in elements.Chunk(500))
        {
            script.Append(verb).Append(" element ").Append(table).Append(' ').Append(name)
                .Append(" { ").Append(string.Join(", ", chunk)).AppendLine(" }");
        }
    }
}
