using System.Collections.Immutable;
using CniNet.Felix.Calc;
using CniNet.Felix.Policy;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// The named sets the rendered rules use, kept between renders like Felix's IP-set member index: each round first
/// takes in the state's members (only members whose objects changed are rebuilt and re-matched); policies that become
/// active acquire the sets their rules name (a set new to the registry is filled from the members) and policies that
/// stop being active release theirs; the round ends with the sets still held, as Felix computes only selectors that
/// active policies use.
/// <para>
/// Both sides are indexed by label, as Felix's label index: a set whose selector requires <c>label == value</c> is
/// matched only against members carrying that label, and a changed member only against the sets its old or new labels
/// could satisfy (and the sets without such a label). A full program of N members and N selectors is then O(N), not
/// O(N²).
/// </para>
/// </summary>
internal sealed class IpSetRegistry
{
    private readonly Dictionary<string, (IpSetMemberSource Source, IpSetMember Member)> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Label, string Value), HashSet<string>> _membersByLabel = [];
    private readonly Dictionary<(string Selector, string? PortName, int Family), TrackedSet> _sets = [];
    private readonly Dictionary<(string Label, string Value), HashSet<TrackedSet>> _setsByLabel = [];
    private readonly HashSet<TrackedSet> _unindexedSets = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(string Selector, string? PortName, int Family), int> _holders = [];
    // The sets one member's change may affect, reused for every member of a round.
    private readonly HashSet<TrackedSet> _affected = new(ReferenceEqualityComparer.Instance);

    private object[]? _sources;

    /// <summary>Some set became empty or stopped being empty in this round's <see cref="BeginRound"/>.</summary>
    public bool EmptinessChanged { get; private set; }

    public void BeginRound(ClusterState state)
    {
        EmptinessChanged = false;
        // The state is immutable and keeps the lists it did not change: when none that members come from changed (a
        // policy change), there is nothing to re-match.
        object[] sources = [state.Pods, state.Namespaces, state.ServiceAccounts, state.NetworkSets, state.GlobalNetworkSets, state.HostEndpoints, state.Profiles];
        if (_sources is not null && sources.AsSpan().SequenceEqual(_sources, ReferenceEqualityComparer.Instance)) return;
        _sources = sources;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in PolicyCompiler.MemberSources(state))
        {
            seen.Add(source.Id);
            _members.TryGetValue(source.Id, out var known);
            if (known.Source is not null && known.Source.SameAs(source)) continue;
            var member = source.Build();
            if (known.Member is { } old) Unindex(source.Id, old);
            _members[source.Id] = (source, member);
            Index(source.Id, member);
            Update(source.Id, known.Member, member);
        }
        foreach (var gone in _members.Keys.Where(id => !seen.Contains(id)).ToList())
        {
            var old = _members[gone].Member;
            _members.Remove(gone);
            Unindex(gone, old);
            Update(gone, old, null);
        }
    }

    /// <summary>Holds the set <paramref name="request"/> names; its name, or null while it has no element.</summary>
    public string? Acquire(SetRequest request)
    {
        var key = request.Key;
        if (!_sets.TryGetValue(key, out var set))
        {
            set = new TrackedSet(request);
            var candidates = set.RequiredLabel is { } label
                ? _membersByLabel.GetValueOrDefault(label) ?? []
                : (IEnumerable<string>)_members.Keys;
            foreach (var id in candidates) set.Update(id, _members[id].Member);
            _sets[key] = set;
            if (set.RequiredLabel is { } required) SetsWith(required).Add(set);
            else _unindexedSets.Add(set);
        }
        _holders[key] = _holders.GetValueOrDefault(key) + 1;
        return set.IsEmpty ? null : set.Name;
    }

    /// <summary>Whether the set of <paramref name="request"/> (held) has no element now.</summary>
    public bool IsEmpty(SetRequest request) => _sets[request.Key].IsEmpty;

    public void Release(SetRequest request) => _holders[request.Key]--;

    public ImmutableSortedDictionary<string, NftSet> EndRound()
    {
        foreach (var unused in _holders.Where(h => h.Value == 0).Select(h => h.Key).ToList())
        {
            _holders.Remove(unused);
            var set = _sets[unused];
            _sets.Remove(unused);
            if (set.RequiredLabel is not { } label) _unindexedSets.Remove(set);
            else if (_setsByLabel[label].Remove(set) && _setsByLabel[label].Count == 0) _setsByLabel.Remove(label);
        }
        return _sets.Values.ToImmutableSortedDictionary(set => set.Name, set => set.Current, StringComparer.Ordinal);
    }

    /// <summary>Re-matches member <paramref name="id"/> against every set its old or new labels could be in.</summary>
    private void Update(string id, IpSetMember? old, IpSetMember? member)
    {
        var affected = _affected;
        affected.Clear();
        affected.UnionWith(_unindexedSets);
        AddSetsByLabel(old, affected);
        AddSetsByLabel(member, affected);
        foreach (var set in affected)
        {
            var wasEmpty = set.IsEmpty;
            set.Update(id, member);
            EmptinessChanged |= wasEmpty != set.IsEmpty;
        }
    }

    private void AddSetsByLabel(IpSetMember? member, HashSet<TrackedSet> affected)
    {
        if (member is null) return;
        foreach (var (label, value) in member.Labels)
        {
            if (_setsByLabel.TryGetValue((label, value), out var sets)) affected.UnionWith(sets);
        }
    }

    private void Index(string id, IpSetMember member)
    {
        foreach (var (label, value) in member.Labels)
        {
            if (!_membersByLabel.TryGetValue((label, value), out var ids))
            {
                _membersByLabel[(label, value)] = ids = new HashSet<string>(StringComparer.Ordinal);
            }
            ids.Add(id);
        }
    }

    private void Unindex(string id, IpSetMember member)
    {
        foreach (var (label, value) in member.Labels)
        {
            if (_membersByLabel.TryGetValue((label, value), out var ids) && ids.Remove(id) && ids.Count == 0)
            {
                _membersByLabel.Remove((label, value));
            }
        }
    }

    private HashSet<TrackedSet> SetsWith((string Label, string Value) label)
    {
        if (!_setsByLabel.TryGetValue(label, out var sets))
        {
            _setsByLabel[label] = sets = new HashSet<TrackedSet>(ReferenceEqualityComparer.Instance);
        }
        return sets;
    }
}
