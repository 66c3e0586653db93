using System.Net;
using CniNet.Datastore;
using CniNet.Datastore.Etcd;
using CniNet.IpamCore;
using CniNet.Model.Resources;
using Xunit;
using Xunit.Abstractions;

namespace CniNet.Tests.Integration.Datastore;

/// <summary>
/// IPAM on a 3-member etcd cluster while one member dies and comes back. Four allocators (two per node, each its own
/// IpamClient on its own EtcdDatastore listing all three members, member 0 first so every one of them is talking to
/// the member that dies) assign one address per handle in a loop. Member 0 is SIGKILLed once each allocator has
/// succeeded a few times, and started again on its data directory once each allocator has succeeded ten times with it
/// down; the run ends once each allocator has succeeded again after the restart. The phases wait for progress, not
/// for time.
/// <para>
/// A request that was in flight to the killed member fails (the transport only moves to another member when it cannot
/// connect, so a txn is never sent twice); the assignment then surfaces <see cref="DatastoreErrorCode.Unavailable"/>,
/// and the allocator records that handle as failed and goes on with a new handle. Such a failure may be ambiguous:
/// the commit may have been applied with its answer lost. The assertions are therefore:
/// no address is held twice (the reported addresses are distinct and <c>ipam check</c> finds no duplicate or other
/// problem); no allocation is lost (every handle whose assignment was reported successful holds exactly the reported
/// address); a failed handle holds at most the one address its ambiguous commit may have written (held, not lost: the
/// store's allocated count is exactly the reported plus those), and releasing the failed handles leaves exactly the
/// reported addresses with a clean check; every allocator succeeded, through the surviving members, with member 0
/// down; and the restarted member serves the same blocks as the rest.
/// </para>
/// </summary>
public sealed class EtcdFailoverTests(ITestOutputHelper output)
{
    private const int Before = 0, Down = 1, Restarted = 2;
    private static readonly TimeSpan PhaseLimit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Allocations_survive_a_member_killed_and_restarted_with_no_duplicate_and_no_lost_address()
    {
        using var cluster = new EtcdCluster();
        var endpoints = cluster.Endpoints;
        await using (var setup = new EtcdDatastore(endpoints))
            await TestStore.ApplyAsync(setup, Yaml.Pool("failover", "10.70.0.0/16"));

        var phase = new PhaseClock();
        using var stop = new CancellationTokenSource();
        var allocators = Enumerable.Range(0, 4).Select(i => new Allocator(i, $"node-{i / 2}", endpoints, phase)).ToList();
        var running = allocators.Select(a => Task.Run(() => a.RunAsync(stop.Token))).ToList();
        try
        {
            await WaitAsync(allocators, a => a.Succeeded(Before) >= 5, "allocating before the kill", running);
            cluster.Members[0].Kill();
            phase.Enter(Down);
            await WaitAsync(allocators, a => a.Succeeded(Down) >= 10, "allocating with member 0 killed", running);
            await Task.Run(cluster.Members[0].Start);
            phase.Enter(Restarted);
            await WaitAsync(allocators, a => a.Succeeded(Restarted) >= 5, "allocating after member 0 restarted", running);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(running);
        }
        foreach (var a in allocators) await a.DisposeAsync();

        var reported = allocators.SelectMany(a => a.Reported).ToList();
        var failed = allocators.SelectMany(a => a.Failed).ToList();
        Assert.Equal(reported.Count, reported.Select(r => r.Address).Distinct().Count());

        await using var store = new EtcdDatastore(endpoints);
        var ipam = new IpamClient(store);
        foreach (var (handle, address) in reported)
            Assert.Equal([address], await ipam.IPsByHandleAsync(handle));
        var ambiguous = 0;
        foreach (var handle in failed)
        {
            var held = await ipam.IPsByHandleAsync(handle);
            Assert.True(held.Count <= 1, $"failed handle {handle} holds {string.Join(", ", held)}");
            ambiguous += held.Count;
        }
        var check = await new IpamReports(store).CheckAsync();
        Assert.True(check.ProblemCount == 0, Problems(check));
        Assert.Equal(reported.Count + ambiguous, check.Allocated);

        foreach (var handle in failed) await ipam.ReleaseByHandleAsync(handle);
        check = await new IpamReports(store).CheckAsync();
        Assert.True(check.ProblemCount == 0, Problems(check));
        Assert.Equal(reported.Count, check.Allocated);

        await using var restarted = new EtcdDatastore([cluster.Members[0].Endpoint]);
        var (fromRestarted, _) = await restarted.ListAsync(ResourceKinds.IPAMBlock.StoreKind);
        var (fromAll, _) = await store.ListAsync(ResourceKinds.IPAMBlock.StoreKind);
        Assert.Equal(fromAll.Select(e => (e.Key, e.Revision)), fromRestarted.Select(e => (e.Key, e.Revision)));

        output.WriteLine($"reported {reported.Count} ({string.Join(", ", Enumerable.Range(0, 3).Select(p => allocators.Sum(a => a.Succeeded(p))))} "
                         + $"before / during / after the outage), failed {failed.Count}, of which {ambiguous} held an address; "
                         + $"conflicts {allocators.Sum(a => a.Conflicts)}");
        foreach (var error in allocators.SelectMany(a => a.Errors).Distinct().Take(5)) output.WriteLine($"  failure seen: {error}");
    }

    private static string Problems(IpamCheckReport report) =>
        string.Join("; ", report.Duplicates.Concat(report.InvalidBlocks).Concat(report.HandleCountMismatches).Concat(report.MissingHandles)
            .Concat(report.HandlesWithoutAddresses).Concat(report.StaleAffinities).Concat(report.BlocksWithoutAffinity).Concat(report.OrphanBlocks)
            .Concat(report.LeakedAddresses.Select(l => $"{l.Ip}: {l.Reason}")));

    /// <summary>Waits until every allocator made the progress asked for; the limit only keeps a broken run from hanging.</summary>
    private static async Task WaitAsync(List<Allocator> allocators, Func<Allocator, bool> done, string what, List<Task> running)
    {
        var limit = DateTime.UtcNow + PhaseLimit;
        while (!allocators.All(done))
        {
            if (running.FirstOrDefault(t => t.IsCompleted) is { } ended) await ended;
            if (DateTime.UtcNow > limit)
                throw new TimeoutException($"{what}: no progress within {PhaseLimit.TotalSeconds} s; last failures: "
                                           + string.Join(" | ", allocators.Select(a => a.LastError())));
            await Task.Delay(20);
        }
    }

    /// <summary>Which part of the run an assignment started and ended in.</summary>
    private sealed class PhaseClock
    {
        private int _phase;

        public int Current => Volatile.Read(ref _phase);

        public void Enter(int phase) => Volatile.Write(ref _phase, phase);
    }

    /// <summary>One allocator: a client of its own, one address per handle, a failed handle given up and never reused.</summary>
    private sealed class Allocator(int id, string node, IReadOnlyList<Uri> endpoints, PhaseClock phase) : IAsyncDisposable
    {
        private readonly EtcdDatastore _store = new(endpoints, requestTimeout: TimeSpan.FromSeconds(10));
        private readonly int[] _succeeded = new int[3];
        private IpamClient? _ipam;

        public List<(string Handle, IPAddress Address)> Reported { get; } = [];

        public List<string> Failed { get; } = [];

        public List<string> Errors { get; } = [];

        public long Conflicts => _ipam?.Conflicts ?? 0;

        public string? LastError()
        {
            lock (Errors) return Errors.LastOrDefault();
        }

        /// <summary>Assignments that started and finished within <paramref name="inPhase"/>.</summary>
        public int Succeeded(int inPhase) => Volatile.Read(ref _succeeded[inPhase]);

        public async Task RunAsync(CancellationToken stop)
        {
            var ipam = _ipam = new IpamClient(_store);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var handle = $"alloc{id}-{i}";
                var started = phase.Current;
                try
                {
                    var (v4, _) = await ipam.AutoAssignAsync(new AutoAssignArgs
                    {
                        Hostname = node, HandleId = handle, Num4 = 1, Attrs = new Dictionary<string, string> { ["node"] = node },
                    }, CancellationToken.None);
                    var address = Assert.Single(v4.IPs).NetworkAddress;
                    lock (Reported) Reported.Add((handle, address));
                    if (phase.Current == started) Interlocked.Increment(ref _succeeded[started]);
                }
                catch (DatastoreException e) when (e.Code == DatastoreErrorCode.Unavailable)
                {
                    Failed.Add(handle);
                    lock (Errors) Errors.Add(e.Message);
                    await Task.Delay(20, CancellationToken.None);
                }
            }
        }

        public ValueTask DisposeAsync() => _store.DisposeAsync();
    }
}
