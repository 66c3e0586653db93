using CniNet.Model.Net;

namespace CniNet.Bgp.Rib;

/// <summary>
/// The routes learned from every peer and the best of each prefix, as a pure value store: each operation reports
/// which best paths changed, so the caller programs the kernel and its peers from the differences only.
/// Not thread-safe; the speaker serialises access.
/// </summary>
public sealed class LocRib
{
    private readonly Dictionary<Cidr, Entry> _entries = [];
    private readonly Dictionary<string, HashSet<Cidr>> _byPeer = [];

    public int Count => _entries.Count;

    public RibPath? Best(Cidr prefix) => _entries.GetValueOrDefault(prefix)?.Best;

    public IEnumerable<RibPath> BestPaths => _entries.Values.Select(e => e.Best!);

    /// <summary>The prefixes <paramref name="peer"/> has a route to.</summary>
    public IReadOnlyCollection<Cidr> PrefixesOf(string peer) => _byPeer.TryGetValue(peer, out var set) ? [.. set] : [];

    public IReadOnlyCollection<RibPath> PathsOf(Cidr prefix) => _entries.TryGetValue(prefix, out var e) ? e.Paths : [];

    /// <summary>Adds or replaces <paramref name="path"/>'s peer's route to its prefix (an implicit withdraw of the old one, RFC 4271 §3.1).</summary>
    public RibChange? Add(RibPath path)
    {
        if (!_entries.TryGetValue(path.Prefix, out var entry)) _entries[path.Prefix] = entry = new Entry();
        var index = entry.IndexOf(path.Peer);
        if (index >= 0) entry.Paths[index] = path;
        else entry.Paths.Add(path);
        PeerSet(path.Peer).Add(path.Prefix);
        return Reselect(path.Prefix, entry);
    }

    public RibChange? Remove(string peer, Cidr prefix)
    {
        if (!_entries.TryGetValue(prefix, out var entry) || entry.IndexOf(peer) is var index && index < 0) return null;
        entry.Paths.RemoveAt(index);
        if (_byPeer.TryGetValue(peer, out var set)) set.Remove(prefix);
        return Reselect(prefix, entry);
    }

    /// <summary>Forgets every route of <paramref name="peer"/> (its session went down).</summary>
    public IReadOnlyList<RibChange> RemovePeer(string peer)
    {
        if (!_byPeer.Remove(peer, out var prefixes)) return [];
        var changes = new List<RibChange>();
        foreach (var prefix in prefixes)
        {
            var entry = _entries[prefix];
            entry.Paths.RemoveAt(entry.IndexOf(peer));
            if (Reselect(prefix, entry) is { } change) changes.Add(change);
        }
        return changes;
    }

    private HashSet<Cidr> PeerSet(string peer)
    {
        if (!_byPeer.TryGetValue(peer, out var set)) _byPeer[peer] = set = [];
        return set;
    }

    private RibChange? Reselect(Cidr prefix, Entry entry)
    {
        var old = entry.Best;
        var best = BestPath.Select(entry.Paths);
        entry.Best = best;
        if (best is null) _entries.Remove(prefix);
        return Equals(old, best) ? null : new RibChange(prefix, old, best);
    }

    /// <summary>A prefix's paths, one per peer: a list, as a prefix has a path from a handful of peers at most.</summary>
    private sealed class Entry
    {
        public List<RibPath> Paths { get; } = new(1);

        public RibPath? Best { get; set; }

        public int IndexOf(string peer)
        {
            for (var i = 0; i < Paths.Count; i++)
                if (Paths[i].Peer == peer) return i;
            return -1;
        }
    }
}
