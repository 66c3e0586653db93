using System.Collections.Immutable;
using System.Text;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// The text of one <c>nft -f -</c> transaction taking the table from what was written to what is wanted, in the
/// order knftables and Felix use so that nothing is referenced before it exists or deleted while still referenced:
/// sets and their element changes, maps, chain declarations, each changed chain flushed and re-added whole, map
/// element changes, then removals (removed chains flushed first so that removed chains may refer to each other).
/// Without a previous model (first write, or after a failure, when the kernel may have drifted) the table is deleted
/// and rebuilt inside the same transaction, so the swap is still atomic.
/// </summary>
internal sealed record NftTransaction(string Script, bool FullRewrite, int ChainsWritten, int SetsWritten, int ElementsChanged)
{
    public bool IsEmpty => Script.Length == 0;

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

        foreach (var (name, set) in desired.Sets)
        {
            // A set's name carries its type (s4-, n6-, ...), so an existing set never needs redeclaring.
            var old = before.Sets.GetValueOrDefault(name);
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

        foreach (var (name, map) in desired.Maps)
        {
            if (!before.Maps.ContainsKey(name))
            {
                script.Append("add map ").Append(t).Append(' ').Append(name).Append(" { type ").Append(map.KeyType).AppendLine(" : verdict; }");
            }
        }

        var dirty = new List<string>();
        foreach (var (name, chain) in desired.Chains)
        {
            var old = before.Chains.GetValueOrDefault(name);
            if (old is not null && old.SameAs(chain))
            {
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
            dirty.Add(name);
        }
        foreach (var name in dirty)
        {
            foreach (var rule in desired.Chains[name].Rules)
            {
                script.Append("add rule ").Append(t).Append(' ').Append(name).Append(' ').AppendLine(rule);
            }
            chainsWritten++;
        }

        foreach (var (name, map) in desired.Maps)
        {
            var old = before.Maps.GetValueOrDefault(name)?.Elements ?? ImmutableSortedDictionary<string, string>.Empty;
            var removed = old.Where(e => !map.Elements.TryGetValue(e.Key, out var verdict) || verdict != e.Value).Select(e => e.Key).ToList();
            var added = map.Elements.Where(e => !old.TryGetValue(e.Key, out var verdict) || verdict != e.Value)
                .Select(e => $"{e.Key} : {e.Value}").ToList();
            AppendElements(script, "delete", t, name, removed);
            AppendElements(script, "add", t, name, added);
            elementsChanged += removed.Count + added.Count;
        }

        var removedChains = before.Chains.Keys.Where(name => !desired.Chains.ContainsKey(name)).ToList();
        foreach (var name in removedChains)
        {
            script.Append("flush chain ").Append(t).Append(' ').AppendLine(name);
        }
        foreach (var name in removedChains)
        {
            script.Append("delete chain ").Append(t).Append(' ').AppendLine(name);
        }
        foreach (var name in before.Maps.Keys.Where(name => !desired.Maps.ContainsKey(name)))
        {
            script.Append("delete map ").Append(t).Append(' ').AppendLine(name);
        }
        foreach (var name in before.Sets.Keys.Where(name => !desired.Sets.ContainsKey(name)))
        {
            script.Append("delete set ").Append(t).Append(' ').AppendLine(name);
        }
        return new NftTransaction(script.ToString(), full, chainsWritten, setsWritten, elementsChanged);
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
