using System.Threading.Channels;
using CniNet.Datastore;
using CniNet.Felix.Dataplane;
using CniNet.IpamCore;
using CniNet.Linux;

namespace CniNet.Felix.Overlay;

/// <summary>
/// The VXLAN overlay of one node, hosted: each pass makes sure the node's VTEP has its tunnel address and MAC
/// (<see cref="TunnelAddressAllocator"/>, a no-op without a VXLAN pool), reads an <see cref="OverlaySource"/> and
/// reconciles the kernel with it (<see cref="VxlanOverlay"/>). A pass runs at start, after every burst of changes to
/// the kinds the overlay depends on (watched from the revision the pass read), a second after a failure, and every
/// refresh interval to repair drift.
/// </summary>
public sealed class OverlayAgent : IAsyncDisposable
{
    private static readonly TimeSpan FailureDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CoalesceDelay = TimeSpan.FromMilliseconds(20);

    private readonly string _nodeName;
    private readonly IDatastore _store;
    private readonly VxlanOverlay _overlay;
    private readonly TunnelAddressAllocator _allocator;
    private readonly TimeSpan _refresh;
    private readonly Action<string> _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    private OverlayAgent(string nodeName, IDatastore store, Rtnetlink netlink, INftExecutor nft, TimeSpan refresh, Action<string> log)
    {
        _nodeName = nodeName;
        _store = store;
        _overlay = new VxlanOverlay(netlink, nft);
        _allocator = new TunnelAddressAllocator(new IpamClient(store), new ResourceClient(store));
        _refresh = refresh;
        _log = log;
        _running = Task.Run(RunAsync);
    }

    /// <summary>Starts keeping <paramref name="nodeName"/>'s overlay in this namespace's kernel matching <paramref name="store"/>.</summary>
    public static OverlayAgent Start(string nodeName, IDatastore store, Rtnetlink netlink, INftExecutor nft, TimeSpan refresh, Action<string> log) =>
        new(nodeName, store, netlink, nft, refresh, log);

    /// <summary>Passes that brought the kernel to the store's state (the last one included).</summary>
    public long Reconciled => Interlocked.Read(ref _reconciled);

    private long _reconciled;

    public bool Live => !_running.IsCompleted;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var revision = await PassAsync(ct);
                await WaitForChangeAsync(revision, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _log($"vxlan: {e.Message}; trying again in {FailureDelay.TotalSeconds:0} s");
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

    /// <summary>One pass; the revision its snapshot was read at.</summary>
    private async Task<long> PassAsync(CancellationToken ct)
    {
        try
        {
            await _allocator.EnsureAsync(_nodeName, ct);
        }
        catch (InvalidOperationException e)
        {
            // No Node yet, or no room in a VXLAN pool: the overlay still follows the store (without a local VTEP, none).
            _log($"vxlan: no tunnel address for {_nodeName}: {e.Message}");
        }
        var source = await OverlaySource.ReadAsync(_store, _nodeName, ct);
        _overlay.Reconcile(source);
        Interlocked.Increment(ref _reconciled);
        return source.Revision;
    }

    /// <summary>Returns once a watched kind changed after <paramref name="revision"/> (and the burst went quiet), or at the refresh.</summary>
    private async Task WaitForChangeAsync(long revision, CancellationToken ct)
    {
        using var round = CancellationTokenSource.CreateLinkedTokenSource(ct);
        round.CancelAfter(_refresh);
        var changes = Channel.CreateUnbounded<bool>();
        var watches = OverlaySource.Kinds.Select(kind => Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in _store.WatchAsync(kind, null, revision, round.Token)) changes.Writer.TryWrite(true);
            }
            catch (Exception e) when (!round.IsCancellationRequested)
            {
                // A broken watch (history compacted, the store gone) is made good by a pass, which reads again.
                _log($"vxlan: watching {kind} failed: {e.Message}");
            }
            changes.Writer.TryWrite(true);
        }, round.Token)).ToList();
        try
        {
            await changes.Reader.WaitToReadAsync(round.Token);
            while (true)
            {
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(round.Token);
                quiet.CancelAfter(CoalesceDelay);
                await changes.Reader.WaitToReadAsync(quiet.Token);
                while (changes.Reader.TryRead(out _))
                {
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The refresh came, or the burst went quiet: either way, a pass.
        }
        finally
        {
            await round.CancelAsync();
            await Task.WhenAll(watches).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
