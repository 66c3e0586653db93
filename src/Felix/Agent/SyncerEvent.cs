using CniNet.Datastore;

namespace CniNet.Felix.Agent;

/// <summary>One watched object created, changed or deleted after the last snapshot.</summary>
public sealed record SyncerEvent(WatchEvent Event) : SyncerUpdate;
