namespace CniNet.Datastore;

public enum WatchEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>A change after the watched revision. For a deletion, <see cref="Entry"/> is the last stored value.</summary>
public sealed record WatchEvent(WatchEventType Type, KvEntry Entry, long Revision);
