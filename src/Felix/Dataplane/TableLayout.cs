using System.Collections.Immutable;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// Lays the renderer's ruleset out over several nftables tables: the main table (<c>calico</c>: host endpoints, the
/// input, forward and output hooks, and the drop of unknown workload interfaces) and <see cref="WorkloadTables"/>
/// workload tables (<c>calico-wl0</c>…), each holding the endpoints whose interface name hashes to it, with its own
/// dispatch hooks, its own copies of the policy chains and sets those endpoints use, and nothing else.
/// <para>
/// Why: on every commit that adds a rule the kernel checks the whole jump graph below each base chain of the tables
/// the commit touched (<c>nft_table_validate</c>, about half a microsecond per reachable rule here). In one table of
/// 1,000 endpoints with 10 rules each that was 6–12 ms per policy change, whatever changed; split eight ways, a change
/// to one endpoint's policy validates an eighth of it. A policy every endpoint uses is copied into every table, and
/// changing it validates them all, which costs what one table did. Each workload table hooks prerouting and
/// postrouting itself (tables cannot jump into each other), so a packet passes eight more base chains of two or
/// three rules; an interface's packets match in its own table only.
/// </para>
/// <para>
/// Incremental: a table holds what is reachable from its roots (rules naming chains, sets and maps, and map elements
/// naming chains), counted by reference, and only the chains, sets and map elements that changed in the renderer's
/// output are looked at. Objects that did not change stay the same objects, so the transaction skips them by reference.
/// </para>
/// </summary>
internal sealed class TableLayout(NftDataplaneOptions options)
{
    /// <summary>Fixed, so that no table of an earlier layout is ever left behind in the kernel.</summary>
    public const int WorkloadTables = 8;

    public const string WorkloadInterfaceSet = "wl-ifaces";

    private const string Prerouting = RulesetRenderer.PreroutingChain;
    private const string Postrouting = RulesetRenderer.PostroutingChain;

    // The hooks the layout writes itself, the same objects every round: the main table's drop of unknown workload
    // interfaces, and each workload table's dispatch.
    private readonly NftChain _mainPrerouting = new(RulesetRenderer.PreroutingHook,
        [$"iifname \"{options.InterfacePrefix}*\" iifname != @{WorkloadInterfaceSet} counter drop comment \"unknown workload interface\""]);
    private readonly NftChain _mainPostrouting = new(RulesetRenderer.PostroutingHook,
        [$"oifname \"{options.InterfacePrefix}*\" oifname != @{WorkloadInterfaceSet} counter drop comment \"unknown workload interface\""]);
    // A workload's chains expect its marks cleared; only a workload's packets are cleared, since a host endpoint's carry
    // the accept bit of its raw or pre-DNAT policy on to the main table's hooks.
    private readonly NftChain _workloadPrerouting = new(RulesetRenderer.PreroutingHook,
    [
        .. RulesetRenderer.ConntrackFastPath,
        $"iifname \"{options.InterfacePrefix}*\" {RulesetRenderer.ClearMarks}",
        $"iifname vmap @{RulesetRenderer.FromWorkloadMap}",
    ]);
    private readonly NftChain _workloadPostrouting = new(RulesetRenderer.PostroutingHook,
    [
        .. RulesetRenderer.ConntrackFastPath,
        $"oifname \"{options.InterfacePrefix}*\" {RulesetRenderer.ClearMarks}",
        $"oifname vmap @{RulesetRenderer.ToWorkloadMap}",
    ]);

    private NftRuleset _logical = NftRuleset.Empty;
    private Table _main = new();
    private Table[] _workload = NewWorkloadTables();
    private ImmutableSortedSet<string>.Builder _interfaces = NewInterfaces();
    private bool _trusted;

    /// <summary>The workload table that holds interface <paramref name="iface"/>'s chains.</summary>
    public static string WorkloadTable(string table, string iface) => WorkloadTable(table, WorkloadIndex(iface));

    /// <summary>The name of workload table <paramref name="index"/>.</summary>
    public static string WorkloadTable(string table, int index) => $"{table}-wl{index}";

    /// <summary>The tables by name, for a renderer's output; <paramref name="logical"/> must come from the same renderer each round.</summary>
    public ImmutableSortedDictionary<string, NftRuleset> Split(NftRuleset logical)
    {
        if (!_trusted)
        {
            _logical = NftRuleset.Empty;
            _main = new Table();
            _workload = NewWorkloadTables();
            _interfaces = NewInterfaces();
        }
        _trusted = false;
        var before = _logical;
        _logical = logical;
        var all = _workload.Append(_main).ToArray();

        foreach (var (name, _, set) in NftTransaction.Differences(before.Sets, logical.Sets, ReferenceEquals))
        {
            foreach (var table in all) table.Changed(Node.Set(name), set, logical);
        }
        foreach (var (name, _, map) in NftTransaction.Differences(before.Maps, logical.Maps, ReferenceEquals))
        {
            if (name is RulesetRenderer.FromWorkloadMap or RulesetRenderer.ToWorkloadMap) continue;
            foreach (var table in all) table.Changed(Node.Map(name), map, logical);
        }
        foreach (var (name, old, chain) in NftTransaction.Differences(before.Chains, logical.Chains, (a, b) => ReferenceEquals(a, b)))
        {
            if (name is Prerouting or Postrouting) continue;
            foreach (var table in all) table.Changed(Node.Chain(name), chain, logical);
            // The main table holds every other base chain: host endpoints, input, forward, output.
            if (chain?.Hook is not null) _main.Root(Node.Chain(name), logical);
            else if (old?.Hook is not null) _main.Unroot(Node.Chain(name), logical);
        }

        if (Dispatch(RulesetRenderer.FromWorkloadMap, before, logical, _interfaces) || !_main.Generated(Node.Set(WorkloadInterfaceSet)))
        {
            _main.Generate(Node.Set(WorkloadInterfaceSet), new NftSet("ifname", Interval: false, _interfaces.ToImmutable()), logical);
        }
        Dispatch(RulesetRenderer.ToWorkloadMap, before, logical, interfaces: null);
        _main.Generate(Node.Chain(Prerouting), _mainPrerouting, logical);
        _main.Generate(Node.Chain(Postrouting), _mainPostrouting, logical);
        foreach (var table in _workload)
        {
            table.Generate(Node.Chain(Prerouting), _workloadPrerouting, logical);
            table.Generate(Node.Chain(Postrouting), _workloadPostrouting, logical);
        }

        var tables = ImmutableSortedDictionary.CreateBuilder<string, NftRuleset>(StringComparer.Ordinal);
        tables[options.Table] = _main.Ruleset();
        for (var i = 0; i < _workload.Length; i++) tables[WorkloadTable(options.Table, i)] = _workload[i].Ruleset();
        _trusted = true;
        return tables.ToImmutable();
    }

    /// <summary>
    /// A workload map's element changes, each applied to the table its interface hashes to (and to
    /// <paramref name="interfaces"/>, when given); whether there were any.
    /// </summary>
    private bool Dispatch(string map, NftRuleset before, NftRuleset logical, ImmutableSortedSet<string>.Builder? interfaces)
    {
        var old = before.Maps.GetValueOrDefault(map)?.Elements ?? ImmutableSortedDictionary<string, string>.Empty;
        var changed = false;
        foreach (var (key, _, verdict) in NftTransaction.Differences(old, logical.Maps[map].Elements, string.Equals))
        {
            // Keys are quoted interface names.
            _workload[WorkloadIndex(key[1..^1])].Element(map, key, verdict, logical);
            if (verdict is null) interfaces?.Remove(key);
            else interfaces?.Add(key);
            changed = true;
        }
        return changed;
    }

    private static int WorkloadIndex(string iface) => NftNames.Bucket(iface, WorkloadTables);

    private static ImmutableSortedSet<string>.Builder NewInterfaces() => ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);

    private static Table[] NewWorkloadTables() =>
        [.. Enumerable.Range(0, WorkloadTables).Select(_ => new Table(RulesetRenderer.FromWorkloadMap, RulesetRenderer.ToWorkloadMap))];

    /// <summary>A chain, set or map by kind and name: the three have separate namespaces in nftables.</summary>
    private readonly record struct Node(char Kind, string Name)
    {
        public static Node Chain(string name) => new('c', name);

        public static Node Set(string name) => new('s', name);

        public static Node Map(string name) => new('m', name);
    }

    /// <summary>
    /// One table's content: each node held with a count of what holds it (roots, rules, map elements); a node's content
    /// comes from the logical ruleset, or from the layout for the nodes it generates (hooks, dispatch maps, the
    /// interface set), which it holds as roots.
    /// </summary>
    private sealed class Table
    {
        /// <summary>A table with the given dispatch maps, whose elements the layout sets one by one.</summary>
        public Table(params string[] dispatchMaps)
        {
            foreach (var map in dispatchMaps)
            {
                _dispatch[map] = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
                _maps[map] = new NftVerdictMap("ifname", _dispatch[map].ToImmutable());
            }
        }

        private readonly Dictionary<Node, int> _held = [];
        private readonly Dictionary<Node, object> _generated = [];
        private readonly HashSet<Node> _roots = [];
        private readonly ImmutableSortedDictionary<string, NftChain>.Builder _chains = ImmutableSortedDictionary.CreateBuilder<string, NftChain>(StringComparer.Ordinal);
        private readonly ImmutableSortedDictionary<string, NftSet>.Builder _sets = ImmutableSortedDictionary.CreateBuilder<string, NftSet>(StringComparer.Ordinal);
        private readonly ImmutableSortedDictionary<string, NftVerdictMap>.Builder _maps = ImmutableSortedDictionary.CreateBuilder<string, NftVerdictMap>(StringComparer.Ordinal);
        private readonly Dictionary<string, ImmutableSortedDictionary<string, string>.Builder> _dispatch = new(StringComparer.Ordinal);

        public NftRuleset Ruleset()
        {
            foreach (var (name, elements) in _dispatch)
            {
                if (!_maps.TryGetValue(name, out var map) || !ReferenceEquals(map.Elements, elements.ToImmutable()))
                {
                    _maps[name] = new NftVerdictMap("ifname", elements.ToImmutable());
                }
            }
            return new NftRuleset(_sets.ToImmutable(), _maps.ToImmutable(), _chains.ToImmutable());
        }

        public void Root(Node node, NftRuleset logical)
        {
            if (_roots.Add(node)) Hold(node, logical);
        }

        public void Unroot(Node node, NftRuleset logical)
        {
            if (_roots.Remove(node)) Release(node, logical);
        }

        public bool Generated(Node node) => _generated.ContainsKey(node);

        /// <summary>
        /// Sets a generated node's content, held as a root, taking in what the new content names; the same object again
        /// changes nothing.
        /// </summary>
        public void Generate(Node node, object content, NftRuleset logical)
        {
            if (_generated.TryGetValue(node, out var old) && ReferenceEquals(old, content)) return;
            _generated[node] = content;
            if (!_roots.Add(node))
            {
                Replace(node, old, content, logical);
                return;
            }
            Hold(node, logical);
        }

        /// <summary>An element of a dispatch map of this table set (or removed, when null), holding the chain it names.</summary>
        public void Element(string map, string key, string? verdict, NftRuleset logical)
        {
            var elements = _dispatch[map];
            if (verdict is not null) Hold(Target(verdict), logical);
            if (elements.TryGetValue(key, out var old)) Release(Target(old), logical);
            if (verdict is null) elements.Remove(key);
            else elements[key] = verdict;
        }

        /// <summary>The logical content of <paramref name="node"/> changed (null: it is gone); a held node follows it.</summary>
        /// <summary>
        /// The logical content of <paramref name="node"/> changed; a held node follows it. A node that is gone (null) is
        /// left alone: whatever still names it is itself changing in this round and releases it.
        /// </summary>
        public void Changed(Node node, object? content, NftRuleset logical)
        {
            if (content is null || !_held.ContainsKey(node) || _generated.ContainsKey(node) || IsDispatch(node)) return;
            Replace(node, Content(node), content, logical);
        }

        private void Replace(Node node, object? old, object content, NftRuleset logical)
        {
            Store(node, content);
            foreach (var name in References(node, content)) Hold(name, logical);
            foreach (var name in old is null ? [] : References(node, old)) Release(name, logical);
        }

        private void Hold(Node node, NftRuleset logical)
        {
            var count = _held.GetValueOrDefault(node);
            _held[node] = count + 1;
            if (count > 0 || IsDispatch(node)) return;
            var content = _generated.GetValueOrDefault(node) ?? Lookup(node, logical)
                ?? throw new InvalidOperationException($"the ruleset names {node.Name}, which it does not hold");
            Store(node, content);
            foreach (var name in References(node, content)) Hold(name, logical);
        }

        private bool IsDispatch(Node node) => node.Kind == 'm' && _dispatch.ContainsKey(node.Name);

        private void Release(Node node, NftRuleset logical)
        {
            var count = _held[node] - 1;
            if (count > 0)
            {
                _held[node] = count;
                return;
            }
            _held.Remove(node);
            if (IsDispatch(node)) return;
            var content = Content(node);
            switch (node.Kind)
            {
                case 'c': _chains.Remove(node.Name); break;
                case 's': _sets.Remove(node.Name); break;
                default: _maps.Remove(node.Name); break;
            }
            foreach (var name in content is null ? [] : References(node, content)) Release(name, logical);
        }

        private object? Content(Node node) => node.Kind switch
        {
            'c' => _chains.GetValueOrDefault(node.Name),
            's' => _sets.GetValueOrDefault(node.Name),
            _ => _maps.GetValueOrDefault(node.Name),
        };

        private void Store(Node node, object content)
        {
            switch (content)
            {
                case NftChain chain: _chains[node.Name] = chain; break;
                case NftSet set: _sets[node.Name] = set; break;
                case NftVerdictMap map: _maps[node.Name] = map; break;
            }
        }

        private static object? Lookup(Node node, NftRuleset logical) => node.Kind switch
        {
            'c' => logical.Chains.GetValueOrDefault(node.Name),
            's' => logical.Sets.GetValueOrDefault(node.Name),
            _ => logical.Maps.GetValueOrDefault(node.Name),
        };

        /// <summary>
        /// What a chain's rules or a map's elements name, each once: <c>jump</c>/<c>goto</c> targets, and <c>@name</c>
        /// lookups (a map when the rule dispatches with <c>vmap</c>, a set otherwise). A dispatch map's elements hold
        /// their chains themselves (<see cref="Element"/>). Rules are scanned word by word in place: a full program
        /// holds some 100,000 of them.
        /// </summary>
        private List<Node> References(Node node, object content)
        {
            var names = new List<Node>();
            if (IsDispatch(node)) return names;
            switch (content)
            {
                case NftChain chain:
                    foreach (var rule in chain.Rules) AddReferences(rule, names);
                    break;
                case NftVerdictMap map:
                    foreach (var verdict in map.Elements.Values) AddOnce(names, Target(verdict));
                    break;
            }
            return names;
        }

        private static void AddReferences(string rule, List<Node> names)
        {
            var text = rule.AsSpan();
            ReadOnlySpan<char> previous = default;
            var start = 0;
            while (start < text.Length)
            {
                var length = text[start..].IndexOf(' ');
                if (length < 0) length = text.Length - start;
                var word = text.Slice(start, length);
                if (previous is "jump" or "goto")
                {
                    AddOnce(names, Node.Chain(rule.Substring(start, length)));
                }
                else if (word.Length > 1 && word[0] == '@')
                {
                    var name = rule.Substring(start + 1, length - 1);
                    AddOnce(names, previous is "vmap" ? Node.Map(name) : Node.Set(name));
                }
                previous = word;
                start += length + 1;
            }
        }

        private static void AddOnce(List<Node> names, Node name)
        {
            if (!names.Contains(name)) names.Add(name);
        }

        private static Node Target(string verdict) => Node.Chain(verdict[(verdict.IndexOf(' ') + 1)..]);
    }
}
