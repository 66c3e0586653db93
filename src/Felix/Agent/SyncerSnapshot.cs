using CniNet.Datastore;

namespace CniNet.Felix.Agent;

/// <summary>Every watched object as one read found them at <paramref name="Revision"/>; it replaces all the calculation knew.</summary>
public sealed record SyncerSnapshot(IReadOnlyList<KvEntry> Entries, long Revision) : SyncerUpdate;
