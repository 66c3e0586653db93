using System.Threading.Channels;
using CniNet.Datastore;

namespace CniNet.Felix.Agent;

/// <summary>
/// Felix's syncer on the datastore seam: lists every watched kind in one batched read (one snapshot, one revision),
/// then watches each kind from that revision. A watch that breaks (history compacted, the store unreachable) ends
/// the round: the syncer lists again and hands the calculation a fresh snapshot, so nothing missed in between is
/// lost. Changes of one object arrive in revision order; kinds are independent of each other.
/// </summary>
internal sealed class FelixSyncer(IDatastore store, ChannelWriter<SyncerUpdate> output, Action<string> log)
{
    private static readonly TimeSpan FailureDelay = TimeSpan.FromSeconds(1);

    /// <summary>Full listings made (Felix's <c>felix_resyncs_started</c>).</summary>
    public long Listings => Interlocked.Read(ref _listings);

    private long _listings;

    public async Task RunAsync(CancellationToken ct)
    {
        var kinds = WatchedKinds.All;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var read = await store.ReadAsync([.. kinds.Select(k => ReadOp.List(k.Kind.StoreKind))], ct);
                Interlocked.Increment(ref _listings);
                await output.WriteAsync(new SyncerSnapshot([.. kinds.SelectMany((_, i) => read.Many(i))], read.Revision), ct);
                using var round = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var watches = kinds.Select(k => WatchAsync(k.Kind.StoreKind, read.Revision, round.Token)).ToList();
                var ended = await Task.WhenAny(watches);
                await round.CancelAsync();
                await Task.WhenAll(watches).ContinueWith(_ => { }, TaskScheduler.Default);
                // The failure that ended the round, if any; a watch that simply ended is listed again too.
                await ended;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (DatastoreException e) when (e.Code == DatastoreErrorCode.Compacted)
            {
                log($"felix: {e.Message}; listing again");
            }
            catch (Exception e)
            {
                log($"felix: syncing with the datastore failed: {e.Message}; listing again in {FailureDelay.TotalSeconds:0} s");
                try
                {
                    await Task.Delay(FailureDelay, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task WatchAsync(string kind, long revision, CancellationToken ct)
    {
        await foreach (var change in store.WatchAsync(kind, null, revision, ct)) await output.WriteAsync(new SyncerEvent(change), ct);
    }
}
