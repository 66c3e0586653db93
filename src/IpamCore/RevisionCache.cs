using System.Collections.Concurrent;
using CniNet.Datastore;

namespace CniNet.IpamCore;

/// <summary>
/// Decoded objects by key, valid for one revision and UID: a read that returns what was already decoded (a host's
/// own last write, pools and affinities that did not change) costs a lookup instead of JSON parsing. Bounded: when
/// full it starts over.
/// </summary>
internal sealed class RevisionCache<T>(int capacity) where T : class
{
    private readonly ConcurrentDictionary<ResourceKey, (long Revision, string Uid, T? Value)> _items = new();

    public T? Get(KvEntry entry, Func<KvEntry, T?> decode)
    {
        if (_items.TryGetValue(entry.Key, out var known) && known.Revision == entry.Revision && known.Uid == entry.Uid) return known.Value;
        var value = decode(entry);
        Put(entry.Key, entry.Revision, entry.Uid, value);
        return value;
    }

    public T? Put(ResourceKey key, long revision, string uid, T? value)
    {
        if (_items.Count >= capacity) _items.Clear();
        _items[key] = (revision, uid, value);
        return value;
    }
}
