using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text;
using CniNet.Linux;

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
    private const int ElementsPerLine = 500;

    public bool IsEmpty => Script.Length == 0;

    /// <summary>
    /// One transaction over several tables (see <see cref="TableLayout"/>): each table's part as
    /// <see cref="Between(string, NftRuleset?, NftRuleset)"/> writes it, in one script, so that all of them take effect
    /// together or none does.
    /// </summary>
    public static NftTransaction Between(
        ImmutableSortedDictionary<string, NftRuleset>? written, ImmutableSortedDictionary<string, NftRuleset> desired)
    {
        var script = new ScriptText();
        var counts = new Counts();
        foreach (var (table, ruleset) in desired) Write(script, ref counts, table, written?.GetValueOrDefault(table), ruleset);
        return new NftTransaction(script.ToString(), written is null, counts.Chains, counts.Sets, counts.Elements);
    }

    public static NftTransaction Between(string table, NftRuleset? written, NftRuleset desired)
    {
        var script = new ScriptText();
        var counts = new Counts();
        Write(script, ref counts, table, written, desired);
        return new NftTransaction(script.ToString(), written is null, counts.Chains, counts.Sets, counts.Elements);
    }

    private static void Write(ScriptText text, ref Counts counts, string table, NftRuleset? written, NftRuleset desired)
    {
        var t = $"inet {table}";
        var script = text.Commands;
        var before = written ?? NftRuleset.Empty;
        if (written is null)
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
                counts.Sets++;
            }
            // Removals before additions: a pod's /32 may give way to a net that covers it, which may not overlap it.
            var (removed, added) = ElementChanges(old?.Elements, set.Elements);
            AppendElements(script, "delete", t, name, removed);
            AppendElements(script, "add", t, name, added);
            counts.Elements += removed.Count + added.Count;
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
                if (chain.Hook is not null) script.Append(" { ").Append(chain.Hook).Append(" }");
                script.AppendLine();
            }
            else
            {
                script.Append("flush chain ").Append(t).Append(' ').AppendLine(name);
            }
            dirty.Add((name, chain));
        }
        text.Rules(t, dirty);
        counts.Chains += dirty.Count;

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
            counts.Elements += removed.Count + added.Count;
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

    /// <summary>
    /// The elements only <paramref name="before"/> holds and those only <paramref name="after"/> holds, each in the
    /// set's order, in one merged walk over both sorted sets.
    /// </summary>
    private static (List<string> Removed, List<string> Added) ElementChanges(ImmutableSortedSet<string>? before, ImmutableSortedSet<string> after)
    {
        if (before is null) return ([], [.. after]);
        var removed = new List<string>();
        var added = new List<string>();
        var order = after.KeyComparer;
        using var b = before.WithComparer(order).GetEnumerator();
        using var a = after.GetEnumerator();
        var hasBefore = b.MoveNext();
        var hasAfter = a.MoveNext();
        while (hasBefore || hasAfter)
        {
            var compared = !hasBefore ? 1 : !hasAfter ? -1 : order.Compare(b.Current, a.Current);
            if (compared < 0) removed.Add(b.Current);
            if (compared > 0) added.Add(a.Current);
            if (compared <= 0) hasBefore = b.MoveNext();
            if (compared >= 0) hasAfter = a.MoveNext();
        }
        return (removed, added);
    }

    private static void AppendElements(StringBuilder script, string verb, string table, string name, List<string> elements)
    {
        // Bounded lines: one huge element list is slow for nft to parse and hard to read in an error.
        for (var start = 0; start < elements.Count; start += ElementsPerLine)
        {
            script.Append(verb).Append(" element ").Append(table).Append(' ').Append(name).Append(" { ");
            var end = Math.Min(elements.Count, start + ElementsPerLine);
            for (var i = start; i < end; i++)
            {
                if (i > start) script.Append(", ");
                script.Append(elements[i]);
            }
            script.AppendLine(" }");
        }
    }

    /// <summary>What one transaction writes, summed over its tables.</summary>
    private struct Counts
    {
        public int Chains;
        public int Sets;
        public int Elements;
    }

    /// <summary>
    /// A transaction's text as it is built: commands go into a builder, the rules of rewritten chains are only noted,
    /// and everything is copied once, into the final string. A full program's rules are nearly all of its 27 million
    /// characters, and every extra copy of them is fresh memory, first touched at a cost (page faults).
    /// </summary>
    private sealed class ScriptText
    {
        private const string RulePrefix = "add rule ";

        private readonly List<(int At, string Table, List<(string Name, NftChain Chain)> Chains)> _rules = [];

        public StringBuilder Commands { get; } = new();

        /// <summary>Each chain's rules, <c>add rule TABLE CHAIN RULE</c>, here in the commands.</summary>
        public void Rules(string table, List<(string Name, NftChain Chain)> chains)
        {
            if (chains.Count > 0) _rules.Add((Commands.Length, table, chains));
        }

        public override string ToString()
        {
            if (_rules.Count == 0) return Commands.ToString();
            long length = Commands.Length;
            foreach (var (_, table, chains) in _rules)
            {
                foreach (var (name, chain) in chains)
                {
                    var line = RulePrefix.Length + table.Length + 1 + name.Length + 1 + Environment.NewLine.Length;
                    foreach (var rule in chain.Rules) length += line + rule.Length;
                }
            }
            return string.Create(checked((int)length), this, static (span, text) => text.CopyTo(span));
        }

        private void CopyTo(Span<char> span)
        {
            // A full program's text is some 54 MB of fresh memory, first touched here: a huge page faults once for 512 small ones.
            HugePages.Advise(MemoryMarshal.AsBytes(span));
            var copied = 0;
            foreach (var (at, table, chains) in _rules)
            {
                Commands.CopyTo(copied, span, at - copied);
                span = span[(at - copied)..];
                copied = at;
                foreach (var (name, chain) in chains)
                {
                    foreach (var rule in chain.Rules)
                    {
                        span = Put(Put(Put(Put(Put(Put(Put(span, RulePrefix), table), " "), name), " "), rule), Environment.NewLine);
                    }
                }
            }
            Commands.CopyTo(copied, span, Commands.Length - copied);
        }

        private static Span<char> Put(Span<char> span, string text)
        {
            text.CopyTo(span);
            return span[text.Length..];
        }
    }
}
