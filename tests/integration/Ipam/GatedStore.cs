using CniNet.Datastore;

namespace CniNet.Tests.Integration.Ipam;

/// <summary>
/// A real store whose commits with the given numbers (counting from 1) wait until the test opens their gate: while one
/// waits, the test knows that commit is in flight and can act around it.
/// </summary>
internal sealed class GatedStore(IDatastore inner, params int[] held) : IDatastore
{
    private readonly Dictionary<int, (TaskCompletionSource Reached, TaskCompletionSource Open)> _gates = held.ToDictionary(n => n,
        _ => (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));

    private int _commits;

    /// <summary>Completes when commit <paramref name="commit"/> has arrived (before it reaches the store).</summary>
    public Task Reached(int commit) => _gates[commit].Reached.Task;

    public void Open(int commit) => _gates[commit].Open.TrySetResult();

    public int Commits => _commits;

    public Task<ReadResult> ReadAsync(IReadOnlyList<ReadOp> ops, CancellationToken ct = default) => inner.ReadAsync(ops, ct);

    public async Task<IReadOnlyList<KvEntry?>> CommitAsync(IReadOnlyList<WriteOp> ops, CancellationToken ct = default)
    {
        if (_gates.TryGetValue(Interlocked.Increment(ref _commits), out var gate))
        {
            gate.Reached.TrySetResult();
            await gate.Open.Task;
        }
        return await inner.CommitAsync(ops, ct);
    }

    public IAsyncEnumerable<WatchEvent> WatchAsync(string kind, string? ns, long afterRevision, CancellationToken ct = default) => inner.WatchAsync(kind, ns, afterRevision, ct);

    public Task CompactAsync(long revision, CancellationToken ct = default) => inner.CompactAsync(revision, ct);

    public long RoundTrips => inner.RoundTrips;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
