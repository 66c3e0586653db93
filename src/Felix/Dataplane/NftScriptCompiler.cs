using System.Collections.Immutable;
using System.Globalization;
using CniNet.Linux;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// Turns the text of one transaction, as <see cref="NftTransaction"/> and the VXLAN filter write it (flat commands,
/// one per line, on <c>inet</c> tables), into the messages of one nf_tables batch. It remembers each named set's and
/// map's declared type across transactions (an element added later needs its key type and nothing in its line says
/// it), taking in a transaction's declarations only once the kernel committed it. Compiled rules and address lists are
/// kept by their text: thousands of endpoint chains repeat the same few rules, and every workload table the same sets.
/// Not thread-safe.
/// </summary>
internal sealed class NftScriptCompiler
{
    // Enough for the distinct rule texts of a large node (10,000 endpoints x their policies' rules); past it the cache
    // starts again rather than grow with every policy ever seen.
    private const int RuleCacheLimit = 250_000;

    // Past it the address-list cache of one key kind starts again: a set's list changes with its members.
    private const int AddressListCacheLimit = 4_096;

    private readonly Dictionary<(string Table, string Name), NftSetType> _sets = [];
    private readonly Dictionary<string, NfTablesRule> _rules = new(StringComparer.Ordinal);
    private readonly Dictionary<(NftSetType.KeyKind, bool Add), Dictionary<string, ImmutableArray<NfTablesElement>>> _addressLists = [];
    private Dictionary<(string Table, string Name), NftSetType?> _changes = [];
    private HashSet<string> _deletedTables = new(StringComparer.Ordinal);

    /// <summary>
    /// Writes the script's commands into <paramref name="batch"/>, each under its line number as origin; gives what the
    /// script declares and deletes, for <see cref="Committed"/>. Set types come from this script and from those already
    /// committed, so a script may be compiled before the one before it commits when it touches other tables.
    /// </summary>
    /// <exception cref="NftUnsupportedException">A line outside the grammar; the message names the line.</exception>
    public Declarations Compile(string script, NfTablesBatch batch)
    {
        _changes = [];
        _deletedTables = new HashSet<string>(StringComparer.Ordinal);
        var number = 0;
        // Lines as spans: a full program is some 200,000 lines and 27 million characters, not worth copying twice. Cut
        // at '\n' only, as NetlinkNft numbers a refused line (EnumerateLines also cuts at \r, \f, U+0085, U+2028 and
        // U+2029, searching for all six).
        for (var rest = script.AsSpan(); !rest.IsEmpty;)
        {
            var end = rest.IndexOf('\n');
            var raw = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            number++;
            var line = raw.Trim();
            if (line.IsEmpty || line[0] == '#') continue;
            batch.Origin = number;
            try
            {
                if (!TryAddRule(line, batch) && !TryChain(line, batch) && !TryAddressElements(line, batch)) Command(line.ToString(), batch);
            }
            catch (NftUnsupportedException e)
            {
                throw new NftUnsupportedException($"line {number}: {e.Message}");
            }
        }
        return new Declarations(_changes, _deletedTables);
    }

    /// <summary>The kernel committed a compiled script: its declarations and deletions now hold.</summary>
    public void Committed(Declarations declarations)
    {
        foreach (var table in declarations.DeletedTables)
        {
            foreach (var key in _sets.Keys.Where(k => k.Table == table).ToList()) _sets.Remove(key);
        }
        foreach (var (key, type) in declarations.Sets)
        {
            if (type is null) _sets.Remove(key);
            else _sets[key] = type;
        }
    }

    /// <summary>The sets and maps a script declares (a type) or deletes (null), and the tables it deletes.</summary>
    public sealed record Declarations(IReadOnlyDictionary<(string Table, string Name), NftSetType?> Sets, IReadOnlySet<string> DeletedTables);

    private void Command(string line, NfTablesBatch batch)
    {
        // "VERB OBJECT inet TABLE NAME REST": the renderers separate these by single spaces.
        var parts = line.Split(' ', 6);
        if (parts.Length < 4 || parts[2] != "inet") throw new NftUnsupportedException($"command outside the grammar: {line}");
        var (verb, what, table) = (parts[0], parts[1], parts[3]);
        var name = parts.Length > 4 ? parts[4] : null;
        var rest = parts.Length > 5 ? parts[5] : "";
        switch (verb, what)
        {
            case ("add", "table") when name is null:
                batch.AddTable(table);
                return;
            case ("delete", "table") when name is null:
                batch.DeleteTable(table);
                foreach (var key in _changes.Keys.Where(k => k.Table == table).ToList()) _changes.Remove(key);
                _deletedTables.Add(table);
                return;
            case ("add", "set" or "map") when name is not null:
            {
                var type = NftSetType.Declared(Braced(rest, line));
                if ((what == "map") != type.IsMap) throw new NftUnsupportedException($"{what} with a {(type.IsMap ? "map" : "set")} type: {line}");
                if (SetType(table, name) is { } existing && existing.Text != type.Text)
                    throw new NftUnsupportedException($"{what} {name} redeclared with another type: {line}");
                batch.AddSet(table, name, type.Spec);
                _changes[(table, name)] = type;
                return;
            }
            case ("delete", "set" or "map") when name is not null && rest.Length == 0:
                batch.DeleteSet(table, name);
                _changes[(table, name)] = null;
                return;
            case ("add" or "delete", "element") when name is not null:
            {
                var type = SetType(table, name) ?? throw new NftUnsupportedException($"set {name} was not declared through this executor: {line}");
                var tokens = new NftTokens(rest);
                var elements = type.Elements(tokens.BracedList(), leadingGap: verb == "add", line);
                if (!tokens.AtEnd) throw tokens.Unsupported("the end of the element list");
                if (verb == "add") batch.AddElements(table, name, elements);
                else batch.DeleteElements(table, name, elements);
                return;
            }
            case ("add", "chain") when name is not null:
                batch.AddChain(table, name, rest.Length == 0 ? null : Hook(rest, line));
                return;
            case ("flush", "chain") when name is not null && rest.Length == 0:
                batch.FlushChain(table, name);
                return;
            case ("delete", "chain") when name is not null && rest.Length == 0:
                batch.DeleteChain(table, name);
                return;
            default:
                throw new NftUnsupportedException($"command outside the grammar: {line}");
        }
    }

    /// <summary>
    /// The common line, <c>add rule inet TABLE CHAIN RULE</c>, without allocating the rule's text when it was compiled
    /// before; false for any other line.
    /// </summary>
    private bool TryAddRule(ReadOnlySpan<char> line, NfTablesBatch batch)
    {
        const string prefix = "add rule inet ";
        if (!line.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var rest = line[prefix.Length..];
        var tableEnd = rest.IndexOf(' ');
        if (tableEnd <= 0) return false;
        var afterTable = rest[(tableEnd + 1)..];
        var chainEnd = afterTable.IndexOf(' ');
        if (chainEnd <= 0) return false;
        var text = afterTable[(chainEnd + 1)..];
        // The line is trimmed: only a second space before the rule would make its text differ from the cached one.
        if (text.IsEmpty || char.IsWhiteSpace(text[0])) return false;
        var rules = _rules.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!rules.TryGetValue(text, out var rule))
        {
            var key = text.ToString();
            rule = NftRuleCompiler.Compile(key);
            if (_rules.Count >= RuleCacheLimit) _rules.Clear();
            _rules[key] = rule;
        }
        batch.AddRule(rest[..tableEnd], afterTable[..chainEnd], rule);
        return true;
    }

    /// <summary>
    /// <c>add</c>, <c>flush</c> or <c>delete chain inet TABLE CHAIN</c> without a hook, as a full program's 30,000 chain
    /// declarations are, without a string per word; false for any other line (a base chain's declaration among them).
    /// </summary>
    private static bool TryChain(ReadOnlySpan<char> line, NfTablesBatch batch)
    {
        const string infix = " chain inet ";
        var verbEnd = line.IndexOf(' ');
        if (verbEnd <= 0 || !line[verbEnd..].StartsWith(infix, StringComparison.Ordinal)) return false;
        var rest = line[(verbEnd + infix.Length)..];
        var tableEnd = rest.IndexOf(' ');
        if (tableEnd <= 0) return false;
        var table = rest[..tableEnd];
        var chain = rest[(tableEnd + 1)..];
        if (chain.IsEmpty || chain.Contains(' ')) return false;
        switch (line[..verbEnd])
        {
            case "add":
                batch.AddChain(table, chain, null);
                return true;
            case "flush":
                batch.FlushChain(table, chain);
                return true;
            case "delete":
                batch.DeleteChain(table, chain);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// <c>add</c> or <c>delete element inet TABLE SET { ... }</c> on a named interval set of addresses, read from the
    /// line's spans (<see cref="NftSetType.AddressIntervals"/>); false for any other line or list.
    /// </summary>
    private bool TryAddressElements(ReadOnlySpan<char> line, NfTablesBatch batch)
    {
        const string infix = " element inet ";
        var verbEnd = line.IndexOf(' ');
        if (verbEnd <= 0 || !line[verbEnd..].StartsWith(infix, StringComparison.Ordinal)) return false;
        var verb = line[..verbEnd];
        var add = verb is "add";
        if (!add && verb is not "delete") return false;
        var rest = line[(verbEnd + infix.Length)..];
        var tableEnd = rest.IndexOf(' ');
        if (tableEnd <= 0) return false;
        var table = rest[..tableEnd].ToString();
        rest = rest[(tableEnd + 1)..];
        var nameEnd = rest.IndexOf(' ');
        if (nameEnd <= 0) return false;
        var name = rest[..nameEnd].ToString();
        if (SetType(table, name) is not { } type || AddressIntervals(type, rest[(nameEnd + 1)..].Trim(), add) is not { } elements) return false;
        if (add) batch.AddElements(table, name, elements);
        else batch.DeleteElements(table, name, elements);
        return true;
    }

    /// <summary>
    /// <see cref="NftSetType.AddressIntervals"/> kept by the list's text: every workload table holds its own copy of
    /// the same sets, written the same way.
    /// </summary>
    private ImmutableArray<NfTablesElement>? AddressIntervals(NftSetType type, ReadOnlySpan<char> braced, bool add)
    {
        if (!_addressLists.TryGetValue((type.Kind, add), out var lists))
        {
            _addressLists[(type.Kind, add)] = lists = new Dictionary<string, ImmutableArray<NfTablesElement>>(StringComparer.Ordinal);
        }
        if (lists.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(braced, out var known)) return known;
        if (type.AddressIntervals(braced, leadingGap: add) is not { } elements) return null;
        if (lists.Count >= AddressListCacheLimit) lists.Clear();
        lists[braced.ToString()] = elements;
        return elements;
    }

    private NftSetType? SetType(string table, string name)
    {
        if (_changes.TryGetValue((table, name), out var changed)) return changed;
        if (_deletedTables.Contains(table)) return null;
        return _sets.GetValueOrDefault((table, name));
    }

    /// <summary><c>{ type filter hook prerouting priority mangle; policy accept; }</c>; priorities by nft's names or as numbers.</summary>
    private static NfTablesHook Hook(string text, string line)
    {
        var tokens = new NftTokens(text);
        tokens.Expect("{");
        tokens.Expect("type");
        var type = tokens.Next();
        if (type != "filter") throw new NftUnsupportedException($"chain type {type}: {line}");
        tokens.Expect("hook");
        var hook = tokens.Next() switch
        {
            "prerouting" => 0u,
            "input" => 1u,
            "forward" => 2u,
            "output" => 3u,
            "postrouting" => 4u,
            var other => throw new NftUnsupportedException($"hook {other}: {line}"),
        };
        tokens.Expect("priority");
        var priority = tokens.Next() switch
        {
            "raw" => -300,
            "mangle" => -150,
            "filter" => 0,
            "security" => 50,
            var number when int.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) => value,
            var other => throw new NftUnsupportedException($"priority {other}: {line}"),
        };
        tokens.Expect(";");
        var accept = true;
        if (tokens.TryTake("policy"))
        {
            accept = tokens.Next() switch
            {
                "accept" => true,
                "drop" => false,
                var other => throw new NftUnsupportedException($"policy {other}: {line}"),
            };
            tokens.Expect(";");
        }
        tokens.Expect("}");
        if (!tokens.AtEnd) throw tokens.Unsupported("the end of the chain declaration");
        return new NfTablesHook(type, hook, priority, accept);
    }

    private static string Braced(string text, string line)
    {
        var trimmed = text.Trim();
        return trimmed.Length >= 2 && trimmed[0] == '{' && trimmed[^1] == '}'
            ? trimmed[1..^1].Trim()
            : throw new NftUnsupportedException($"braced declaration expected: {line}");
    }
}
