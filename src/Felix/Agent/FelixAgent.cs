using System.Collections.Immutable;
using System.Diagnostics;
using System.Net;
using System.Threading.Channels;
using CniNet.Datastore;
using CniNet.Felix.Calc;
using CniNet.Felix.Dataplane;
using CniNet.Model.Selectors;

namespace CniNet.Felix.Agent;

/// <summary>
/// Felix for this node's workloads, driven by the datastore: the <see cref="FelixSyncer"/> lists and watches, the
/// <see cref="StateCalculator"/> keeps the store's view, and one loop owns the <see cref="NftablesDataplane"/>. A burst
/// of changes is coalesced (applied once it has been quiet for <see cref="FelixAgentOptions.CoalesceDelay"/>) into one
/// batch, one nft transaction. A failed batch is retried with a doubling delay; every
/// <see cref="FelixAgentOptions.RefreshInterval"/> the table is rewritten from the model to repair drift. A state that
/// does not render (a policy the datastore should have refused) writes nothing and waits for the next change. The
/// node's interface addresses (<see cref="FelixAgentOptions.LocalInterfaces"/>) are read before every batch and polled
/// between them; a change is a batch of its own.
/// </summary>
public sealed class FelixAgent : IAsyncDisposable
{
    private readonly FelixAgentOptions _options;
    private readonly StateCalculator _calculator;
    private readonly NftablesDataplane _dataplane;
    private readonly Channel<SyncerUpdate> _updates = Channel.CreateBounded<SyncerUpdate>(
        new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly FelixSyncer _syncer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _syncing;
    private readonly Task _running;
    private CalculatedState? _calculated;
    private ImmutableSortedDictionary<string, ImmutableArray<IPAddress>> _interfaces = ClusterState.Empty.LocalInterfaces;
    private long _failures;
    private volatile FelixStatus _status = FelixStatus.Initial;

    private FelixAgent(string nodeName, IDatastore store, INftExecutor nft, FelixAgentOptions options)
    {
        _options = options;
        _calculator = new StateCalculator(nodeName);
        _dataplane = new NftablesDataplane(nft, options.Dataplane with { NodeName = nodeName });
        _syncer = new FelixSyncer(store, _updates.Writer, options.Log);
        _syncing = Task.Run(() => _syncer.RunAsync(_stop.Token));
        _running = Task.Run(RunAsync);
    }

    /// <summary>Starts syncing with <paramref name="store"/> and programming the table through <paramref name="nft"/>.</summary>
    public static FelixAgent Start(string nodeName, IDatastore store, INftExecutor nft, FelixAgentOptions? options = null) =>
        new(nodeName, store, nft, options ?? new FelixAgentOptions());

    /// <summary>The latest published figures; <see cref="FelixStatus.Ready"/> once a batch is in the kernel and in sync.</summary>
    public FelixStatus Status => _status;

    /// <summary>The syncer and the dataplane loop are both running.</summary>
    public bool Live => !_syncing.IsCompleted && !_running.IsCompleted;

    public ApplyTimeSummary ApplyTimes { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_syncing, _running).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var reader = _updates.Reader;
        var retryDelay = (TimeSpan?)null;
        var retryAt = long.MaxValue;
        var refreshAt = Stopwatch.GetTimestamp() + ToTicks(_options.RefreshInterval);
        var pollAt = _options.LocalInterfaces is null ? long.MaxValue : Stopwatch.GetTimestamp();
        void Write(Func<NftApplyResult> write)
        {
            retryDelay = Apply(write, retryDelay);
            retryAt = retryDelay is { } delay ? Stopwatch.GetTimestamp() + ToTicks(delay) : long.MaxValue;
        }
        NftApplyResult ApplyState() => _dataplane.Apply(_calculated!.State with { LocalInterfaces = _interfaces }, _calculated.Interfaces);
        try
        {
            while (true)
            {
                var next = Math.Min(refreshAt, Math.Min(retryAt, pollAt));
                if (await WaitForUpdateAsync(reader, Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next)))
                {
                    await CoalesceAsync(reader);
                    ReadInterfaces();
                    Write(ApplyState);
                }
                else if (Stopwatch.GetTimestamp() >= pollAt)
                {
                    pollAt = Stopwatch.GetTimestamp() + ToTicks(_options.InterfacePollInterval);
                    // An interface's addresses changed: host endpoints named by expected IPs may move.
                    if (ReadInterfaces() && _calculated is not null) Write(ApplyState);
                }
                else if (Stopwatch.GetTimestamp() >= retryAt)
                {
                    Write(_dataplane.Retry);
                }
                else if (Stopwatch.GetTimestamp() >= refreshAt)
                {
                    refreshAt = Stopwatch.GetTimestamp() + ToTicks(_options.RefreshInterval);
                    Write(_dataplane.Resync);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Not a batch failure (those are retried) but a broken dataplane (e.g. libnftables gone): liveness reports it.
            _options.Log($"felix: the dataplane loop stopped: {e}");
        }
    }

    /// <summary>Reads the node's interfaces and addresses; whether they changed. A failed read keeps the last.</summary>
    private bool ReadInterfaces()
    {
        if (_options.LocalInterfaces is not { } read) return false;
        ImmutableSortedDictionary<string, ImmutableArray<IPAddress>> interfaces;
        try
        {
            interfaces = read();
        }
        catch (Exception e) when (e is Linux.LinuxException or IOException or InvalidOperationException)
        {
            _options.Log($"felix: reading the node's interfaces failed, keeping the last: {e.Message}");
            return false;
        }
        if (interfaces.Count == _interfaces.Count
            && interfaces.All(i => _interfaces.TryGetValue(i.Key, out var known) && known.SequenceEqual(i.Value)))
        {
            return false;
        }
        _interfaces = interfaces;
        return true;
    }

    /// <summary>Whether an update arrived within <paramref name="wait"/>.</summary>
    private async Task<bool> WaitForUpdateAsync(ChannelReader<SyncerUpdate> reader, TimeSpan wait)
    {
        if (wait <= TimeSpan.Zero) return reader.TryPeek(out _);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(wait);
        try
        {
            return await reader.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Takes in updates until none came for the coalescing delay (or the longest delay passed), then calculates.</summary>
    private async Task CoalesceAsync(ChannelReader<SyncerUpdate> reader)
    {
        var started = Stopwatch.GetTimestamp();
        do
        {
            while (reader.TryRead(out var update))
            {
                foreach (var problem in _calculator.Apply(update)) _options.Log($"felix: {problem}");
            }
        }
        while (Stopwatch.GetElapsedTime(started) < _options.MaxCoalesceDelay && await WaitForUpdateAsync(reader, _options.CoalesceDelay));
        _calculated = _calculator.Build();
    }

    /// <summary>Runs one dataplane write; the next retry delay, or null when the kernel is in sync.</summary>
    private TimeSpan? Apply(Func<NftApplyResult> write, TimeSpan? retryDelay)
    {
        var timer = Stopwatch.StartNew();
        NftApplyResult result;
        try
        {
            result = write();
        }
        catch (Exception e) when (e is SelectorParseException or ArgumentException or NotSupportedException or KeyNotFoundException)
        {
            // Nothing was written: the ruleset in force keeps deciding until a change makes the state render.
            _failures++;
            _options.Log($"felix: the state does not render, nothing written: {e.Message}");
            Publish();
            return retryDelay;
        }
        ApplyTimes.Add(timer.Elapsed);
        if (result.Succeeded)
        {
            Publish();
            return null;
        }
        _failures++;
        var next = retryDelay is { } previous ? TimeSpan.FromTicks(Math.Min(previous.Ticks * 2, _options.MaxRetryDelay.Ticks)) : _options.RetryDelay;
        _options.Log($"felix: dataplane update failed, retrying in {next.TotalMilliseconds:0} ms: {result.Error}");
        Publish();
        return next;
    }

    private void Publish()
    {
        _status = new FelixStatus
        {
            // The base chains exist once any batch reached the kernel; a failure forgets the model until a retry succeeds.
            Ready = _dataplane.InSync && _dataplane.Chains > 0,
            ActiveLocalEndpoints = _dataplane.Endpoints,
            ActiveLocalPolicies = _dataplane.Policies,
            ActiveLocalSelectors = _dataplane.Selectors,
            ClusterWorkloadEndpoints = _calculated?.ClusterWorkloadEndpoints ?? 0,
            ClusterPolicies = _calculated?.ClusterPolicies ?? 0,
            NftCalls = _dataplane.Calls,
            NftErrors = _dataplane.Failures,
            NftChains = _dataplane.Chains,
            NftRules = _dataplane.Rules,
            DataplaneFailures = _failures,
            Resyncs = _syncer.Listings,
        };
    }

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
