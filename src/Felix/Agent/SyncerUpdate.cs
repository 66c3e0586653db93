namespace CniNet.Felix.Agent;

/// <summary>What the syncer hands the calculation: a whole listing (<see cref="SyncerSnapshot"/>) or one change (<see cref="SyncerEvent"/>).</summary>
public abstract record SyncerUpdate;
