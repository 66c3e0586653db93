using System.Collections.Immutable;
using CniNet.Felix.Calc;
using CniNet.Felix.Policy;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// The named sets the rendered rules use, kept between renders like Felix's IP-set member index: each round first
/// takes in the state's members (only members whose objects changed are rebuilt and re-matched against every set);
/// policies that become active acquire the sets their rules name (a set new to the registry is filled from every
/// member) and policies that stop being active release theirs; the round ends with the sets still held, as Felix
/// computes only selectors that active policies use.
/// </summary>
internal sealed class IpSetRegistry
{
    private readonly Dictionary<string, (IpSetMemberSource Source, IpSetMember Member)> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TrackedSet> _sets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _holders = new(StringComparer.Ordinal);

    public void BeginRound(ClusterState state)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in PolicyCompiler.MemberSources(state))
        {
            seen.Add(source.Id);
            if (_members.TryGetValue(source.Id, out var known) && known.Source.SameAs(source))
            {
                continue;
            }
            var member = source.Build();
            _members[source.Id] = (source, member);
            foreach (var set in _sets.Values) set.Update(source.Id, member);
        }
        foreach (var gone in _members.Keys.Where(id => !seen.Contains(id)).ToList())
        {
            _members.Remove(gone);
            foreach (var set in _sets.Values) set.Update(gone, null);
        }
    }

    public string Acquire(SetRequest request)
    {
        if (!_sets.ContainsKey(request.Name))
        {
            var set = new TrackedSet(request);
            foreach (var (id, (_, member)) in _members) set.Update(id, member);
            _sets[request.Name] = set;
        }
        _holders[request.Name] = _holders.GetValueOrDefault(request.Name) + 1;
        return request.Name;
    }

    public void Release(SetRequest request) => _holders[request.Name]--;

    public ImmutableSortedDictionary<string, NftSet> EndRound()
    {
        foreach (var unused in _holders.Where(h => h.Value == 0).Select(h => h.Key).ToList())
        {
            _holders.Remove(unused);
            _sets.Remove(unused);
        }
        return _sets.ToImmutableSortedDictionary(set => set.Key, set => set.Value.Current, StringComparer.Ordinal);
    }
}
