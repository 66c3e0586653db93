namespace CniNet.Datastore;

/// <summary>
/// The seam every component reads and writes through. Two primitives carry everything: a read batch (one round trip,
/// one consistent snapshot) and a commit of compare-and-swap writes (one round trip, all or nothing where the backend
/// can do it). Get, List, Create, Update and Delete are single-operation batches (<see cref="DatastoreExtensions"/>).
/// </summary>
public interface IDatastore : IAsyncDisposable
{
    /// <summary>Runs the reads against one snapshot.</summary>
    Task<ReadResult> ReadAsync(IReadOnlyList<ReadOp> ops, CancellationToken ct = default);

    /// <summary>Applies every write or none; fails with the first violated condition and its key.</summary>
    Task<IReadOnlyList<KvEntry?>> CommitAsync(IReadOnlyList<WriteOp> ops, CancellationToken ct = default);

    /// <summary>
    /// Changes to objects of <paramref name="kind"/> (only those in namespace <paramref name="ns"/> when given) after
    /// <paramref name="afterRevision"/>, in revision order.
    /// </summary>
    IAsyncEnumerable<WatchEvent> WatchAsync(string kind, string? ns, long afterRevision, CancellationToken ct = default);

    /// <summary>Forgets change history up to and including <paramref name="revision"/>.</summary>
    Task CompactAsync(long revision, CancellationToken ct = default);

    /// <summary>Round trips made so far (each read batch, commit and watch poll counts one).</summary>
    long RoundTrips { get; }
}
