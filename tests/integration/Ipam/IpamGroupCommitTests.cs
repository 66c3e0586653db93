using CniNet.Datastore;
using CniNet.IpamCore;
using CniNet.Model.Kubernetes;
using CniNet.Model.Net;
using CniNet.Model.Resources;
using Xunit;

namespace CniNet.Tests.Integration.Ipam;

/// <summary>
/// Assignments requested at once on one client (a node agent's concurrent ADDs) are committed together, on a real
/// SQLite store. Gates hold chosen commits open so that the others are known to be waiting: the batches are then exact.
/// </summary>
public sealed class IpamGroupCommitTests : IAsyncLifetime
{
    private readonly TestStore _t = new();

    public Task InitializeAsync() => _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/16"));

    public async Task DisposeAsync() => await _t.DisposeAsync();

    private static AutoAssignArgs Pod(string handle) => new()
    {
        Hostname = "node-1", HandleId = handle, Num4 = 1, Attrs = new Dictionary<string, string> { ["node"] = "node-1" },
    };

    /// <summary>
    /// A gated client for node-1 whose node already holds a block with room (assigned through another client, so the
    /// gate counts only what follows), hinted as a warm client of the node would be. Returns the warm address.
    /// </summary>
    private async Task<(GatedStore Gate, IpamClient Ipam, string Warm)> WarmNodeAsync(params int[] held)
    {
        var other = _t.Ipam();
        var warm = Assert.Single((await other.AutoAssignAsync(Pod("warm"))).V4.IPs).NetworkAddress.ToString();
        var gate = new GatedStore(_t.Open(), held);
        var ipam = new IpamClient(gate);
        ipam.Prefer("node-1", other.PreferredBlocks("node-1"));
        return (gate, ipam, warm);
    }

    private static WriteOp Marker(string handle) => ResourceCodec.Create(ResourceKinds.Namespace, new Namespace { Metadata = new ObjectMeta { Name = $"ep-{handle}" } });

    /// <summary>
    /// Starts the assignment "first" and, once its commit (number <paramref name="held"/>) is held, the
    /// <paramref name="queued"/> others (each joins the host's queue before its first await), then lets them go.
    /// </summary>
    private static List<Task<(IpamAssignments V4, IpamAssignments V6)>> AssignBehindAGate(GatedStore gate, int held, IReadOnlyList<string> queued,
        Func<string, Task<(IpamAssignments V4, IpamAssignments V6)>> assign)
    {
        var first = Task.Run(() => assign("first"));
        gate.Reached(held).Wait();
        List<Task<(IpamAssignments V4, IpamAssignments V6)>> all = [first, .. queued.Select(assign)];
        gate.Open(held);
        return all;
    }

    private static List<string> Names(int count) => Enumerable.Range(0, count).Select(i => $"queued-{i}").ToList();

    private static string Address(Task<(IpamAssignments V4, IpamAssignments V6)> outcome) => Assert.Single(outcome.Result.V4.IPs).NetworkAddress.ToString();

    private async Task AssertConsistentAsync(IReadOnlyCollection<string> addresses)
    {
        Assert.Equal(addresses.Count, addresses.Distinct().Count());
        var report = await new IpamReports(_t.Store).CheckAsync();
        Assert.Equal(0, report.ProblemCount);
        Assert.Equal(addresses.Count, report.Allocated);
    }

    [Fact]
    public async Task Assignments_waiting_behind_one_in_flight_are_read_and_committed_together_in_arrival_order()
    {
        var (gate, ipam, warm) = await WarmNodeAsync(1);
        var before = gate.RoundTrips;
        var outcomes = AssignBehindAGate(gate, 1, Names(40), h => ipam.AutoAssignAsync(Pod(h)));
        await Task.WhenAll(outcomes);
        // The first alone (read, commit), then the forty in one read and one commit.
        Assert.Equal(4, gate.RoundTrips - before);
        Assert.Equal(2, gate.Commits);
        await AssertConsistentAsync([warm, .. outcomes.Select(Address)]);
        foreach (var handle in Names(40)) Assert.Single(await ipam.IPsByHandleAsync(handle));
        Assert.Equal(Enumerable.Range(1, 41), outcomes.Select(o => (int)(o.Result.V4.IPs[0].Address & 63)));
    }

    [Fact]
    public async Task A_batch_that_fills_its_hinted_block_reads_the_next_affine_block_and_still_commits_once()
    {
        // Block one full and block two begun, then twenty addresses of block one given back: the node owns both, and
        // the gated client is hinted only at block one, as the last client that assigned from it would be.
        var other = _t.Ipam();
        var held = new List<string>();
        for (var i = 0; i < 70; i++) held.Add(Assert.Single((await other.AutoAssignAsync(Pod($"held-{i}"))).V4.IPs).NetworkAddress.ToString());
        for (var i = 0; i < 20; i++) await other.ReleaseByHandleAsync($"held-{i}");
        var first = Cidr.Containing(System.Net.IPAddress.Parse(held[0]), 26);
        var gate = new GatedStore(_t.Open(), 1);
        var ipam = new IpamClient(gate);
        ipam.Prefer("node-1", [first]);
        var before = gate.RoundTrips;
        var outcomes = AssignBehindAGate(gate, 1, Names(30), h => ipam.AutoAssignAsync(Pod(h)));
        await Task.WhenAll(outcomes);
        var addresses = outcomes.Select(Address).ToList();
        // The first alone (read, commit); the thirty fill block one, read block two and go on there: one commit.
        Assert.Equal(2, gate.Commits);
        Assert.Equal(5, gate.RoundTrips - before);
        Assert.Equal(20, addresses.Count(a => first.Contains(System.Net.IPAddress.Parse(a))));
        await AssertConsistentAsync([.. held.Skip(20), .. addresses]);
    }

    [Fact]
    public async Task A_batch_that_outgrows_its_block_claims_the_next_block_and_finishes_in_the_same_commit()
    {
        var gate = new GatedStore(_t.Open(), 2);
        var ipam = new IpamClient(gate);
        var outcomes = AssignBehindAGate(gate, 2, Names(100), h => ipam.AutoAssignAsync(Pod(h)));
        await Task.WhenAll(outcomes);
        var addresses = outcomes.Select(Address).ToList();
        await AssertConsistentAsync(addresses);
        Assert.Equal(2, addresses.Select(a => Cidr.Containing(System.Net.IPAddress.Parse(a), 26)).Distinct().Count());
        var (affinities, _) = await _t.Store.ListAsync(ResourceKinds.BlockAffinity.StoreKind);
        Assert.Equal(2, affinities.Count);
        // The first claims block one (pending affinity, block) and commits; the hundred claim block two (the same two
        // commits) in the middle of their plan and commit all their addresses in one.
        Assert.Equal(6, gate.Commits);
    }

    [Fact]
    public async Task A_batch_whose_commit_loses_a_race_is_redone_one_by_one_without_handing_out_an_address_twice()
    {
        var (gate, ipam, warm) = await WarmNodeAsync(1, 2);
        var outcomes = AssignBehindAGate(gate, 1, Names(20), h => ipam.AutoAssignAsync(Pod(h)));
        // Commit 2 is the batch's: another writer takes an address from the same block between its read and its commit.
        await gate.Reached(2);
        var rival = Assert.Single((await _t.Ipam().AutoAssignAsync(Pod("rival"))).V4.IPs).NetworkAddress.ToString();
        gate.Open(2);
        await Task.WhenAll(outcomes);
        // The first, the batch that lost, then the twenty one by one.
        Assert.Equal(22, gate.Commits);
        await AssertConsistentAsync([warm, rival, .. outcomes.Select(Address)]);
    }

    [Fact]
    public async Task Prepared_assignments_in_a_batch_commit_their_callers_writes_with_the_addresses()
    {
        var (gate, ipam, _) = await WarmNodeAsync(1);
        var names = Names(10);
        var prepared = new Dictionary<string, PreparedAssignment>();
        foreach (var handle in names.Prepend("first")) prepared[handle] = await ipam.PrepareAsync("node-1", handle, []);
        var outcomes = AssignBehindAGate(gate, 1, names, h => prepared[h].AutoAssignAsync(Pod(h), (_, _) => [Marker(h)]));
        await Task.WhenAll(outcomes);
        Assert.Equal(2, gate.Commits);
        foreach (var handle in names.Prepend("first")) Assert.NotNull(await _t.Store.GetAsync(ResourceCodec.KeyOf(ResourceKinds.Namespace, $"ep-{handle}")));
        Assert.Equal(0, (await new IpamReports(_t.Store).CheckAsync()).ProblemCount);
    }

    [Fact]
    public async Task A_callers_write_that_fails_in_a_batch_fails_only_that_caller()
    {
        var (gate, ipam, _) = await WarmNodeAsync(1);
        await _t.Store.CommitAsync([Marker("queued-3")]);
        var names = Names(6);
        var prepared = new Dictionary<string, PreparedAssignment>();
        foreach (var handle in names.Prepend("first")) prepared[handle] = await ipam.PrepareAsync("node-1", handle, []);
        var outcomes = AssignBehindAGate(gate, 1, names, h => prepared[h].AutoAssignAsync(Pod(h), (_, _) => [Marker(h)]));
        await Task.WhenAll(outcomes.Select(o => o.ContinueWith(_ => { }, TaskScheduler.Default)));
        var failed = Assert.IsType<DatastoreException>(outcomes[4].Exception?.InnerException);
        Assert.Equal(DatastoreErrorCode.AlreadyExists, failed.Code);
        Assert.All(outcomes.Where((_, i) => i != 4), o => Assert.Equal(TaskStatus.RanToCompletion, o.Status));
        foreach (var handle in names.Prepend("first").Where(h => h != "queued-3"))
            Assert.NotNull(await _t.Store.GetAsync(ResourceCodec.KeyOf(ResourceKinds.Namespace, $"ep-{handle}")));
        // Its address is held by its handle until the caller gives it back, as the CNI plugin's undo does.
        Assert.Single(await ipam.IPsByHandleAsync("queued-3"));
        Assert.Equal(0, (await new IpamReports(_t.Store).CheckAsync()).ProblemCount);
    }
}
