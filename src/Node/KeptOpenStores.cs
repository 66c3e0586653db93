using System.Collections.Concurrent;
using CniNet.Datastore;
using CniNet.IpamCore;

namespace CniNet.Node;

/// <summary>
/// The agent's datastores: one per configuration, opened on first use and kept open, so an invocation finds the
/// connection made, the native library loaded and the store's read cache warm. Invocations get a handle whose
/// dispose leaves the store open. Each store has one IPAM client shared by the invocations, so a node's concurrent
/// ADDs are committed together (<see cref="IpamClient.AutoAssignAsync"/>) and its caches stay warm.
/// </summary>
internal sealed class KeptOpenStores : IAsyncDisposable
{
    private readonly ConcurrentDictionary<DatastoreConfig, Lazy<IDatastore>> _stores = new();
    private readonly ConcurrentDictionary<IDatastore, IpamClient> _ipam = new(ReferenceEqualityComparer.Instance);

    public IDatastore Open(DatastoreConfig config) => new Handle(_stores.GetOrAdd(config, c => new Lazy<IDatastore>(c.Open)).Value);

    /// <summary>The shared IPAM client of a store <see cref="Open"/> handed out.</summary>
    public IpamClient Ipam(IDatastore handle) => _ipam.GetOrAdd(((Handle)handle).Inner, store => new IpamClient(store));

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores.Values.Where(s => s.IsValueCreated)) await store.Value.DisposeAsync();
    }

    private sealed class Handle(IDatastore store) : IDatastore
    {
        public IDatastore Inner => store;

        public Task<ReadResult> ReadAsync(IReadOnlyList<ReadOp> ops, CancellationToken ct = default) => store.ReadAsync(ops, ct);

        public Task<IReadOnlyList<KvEntry?>> CommitAsync(IReadOnlyList<WriteOp> ops, CancellationToken ct = default) => store.CommitAsync(ops, ct);

        public IAsyncEnumerable<WatchEvent> WatchAsync(string kind, string? ns, long afterRevision, CancellationToken ct = default) => store.WatchAsync(kind, ns, afterRevision, ct);

        public Task CompactAsync(long revision, CancellationToken ct = default) => store.CompactAsync(revision, ct);

        public long RoundTrips => store.RoundTrips;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
