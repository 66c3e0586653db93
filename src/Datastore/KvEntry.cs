namespace CniNet.Datastore;

/// <summary>
/// One stored object: its JSON value and the store-assigned revision (the compare-and-swap token), UID and creation
/// time. The JSON value never carries those three; the typed layer puts them into <c>metadata</c>.
/// </summary>
public sealed record KvEntry(ResourceKey Key, byte[] Value, long Revision, string Uid, DateTime Created);
