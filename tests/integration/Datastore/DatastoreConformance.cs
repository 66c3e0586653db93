using System.Text;
using CniNet.Datastore;
using CniNet.Model.Selectors;
using Xunit;

namespace CniNet.Tests.Integration.Datastore;

/// <summary>
/// What every backend behind the seam must do. A backend's test class derives from this and says how to open a store
/// and a second, independent client on the same data.
/// </summary>
public abstract class DatastoreConformance : IAsyncLifetime
{
    protected IDatastore Store { get; private set; } = null!;

    protected abstract Task<IDatastore> OpenAsync();

    /// <summary>A second client on the same data (another process, another connection).</summary>
    protected abstract Task<IDatastore> OpenPeerAsync();

    /// <summary>Forgets history up to <paramref name="revision"/>: through the seam, or the server's own way when it compacts by itself.</summary>
    protected virtual Task CompactAsync(long revision) => Store.CompactAsync(revision);

    /// <summary>
    /// Requests a read batch of <paramref name="reads"/> gets and lists plus a commit of <paramref name="creates"/>
    /// creates cost: one each where the backend has batches and transactions.
    /// </summary>
    protected virtual long RoundTripsFor(int reads, int creates) => 2;

    public async Task InitializeAsync() => Store = await OpenAsync();

    public virtual async Task DisposeAsync() => await Store.DisposeAsync();

    private static ResourceKey Key(string name, string ns = "") => new("ConformanceThing", ns, name);

    private static byte[] Value(string text) => Encoding.UTF8.GetBytes($"{{\"v\":\"{text}\"}}");

    private static string Text(KvEntry entry) => Encoding.UTF8.GetString(entry.Value);

    [Fact]
    public async Task Create_then_get_returns_the_value_revision_uid_and_creation_time()
    {
        var created = await Store.CreateAsync(Key("a"), Value("1"));
        var read = await Store.GetAsync(Key("a"));
        Assert.NotNull(read);
        Assert.Equal("{\"v\":\"1\"}", Text(read));
        Assert.Equal(created.Revision, read.Revision);
        Assert.Equal(created.Uid, read.Uid);
        Assert.False(string.IsNullOrEmpty(read.Uid));
        Assert.True(read.Created > DateTime.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task Create_of_an_existing_key_fails_with_AlreadyExists_and_keeps_the_value()
    {
        await Store.CreateAsync(Key("a"), Value("1"));
        var e = await Assert.ThrowsAsync<DatastoreException>(() => Store.CreateAsync(Key("a"), Value("2")));
        Assert.Equal(DatastoreErrorCode.AlreadyExists, e.Code);
        Assert.Equal("{\"v\":\"1\"}", Text((await Store.GetAsync(Key("a")))!));
    }

    [Fact]
    public async Task Get_of_a_missing_key_is_null()
    {
        Assert.Null(await Store.GetAsync(Key("missing")));
    }

    [Fact]
    public async Task Update_with_the_revision_read_succeeds_and_moves_the_revision_on()
    {
        var created = await Store.CreateAsync(Key("a"), Value("1"));
        var updated = await Store.UpdateAsync(Key("a"), Value("2"), created.Revision);
        Assert.True(updated.Revision > created.Revision);
        Assert.Equal(created.Uid, updated.Uid);
        Assert.Equal("{\"v\":\"2\"}", Text((await Store.GetAsync(Key("a")))!));
    }

    [Fact]
    public async Task Update_with_a_stale_revision_fails_with_Conflict_and_changes_nothing()
    {
        var created = await Store.CreateAsync(Key("a"), Value("1"));
        await Store.UpdateAsync(Key("a"), Value("2"), created.Revision);
        var e = await Assert.ThrowsAsync<DatastoreException>(() => Store.UpdateAsync(Key("a"), Value("3"), created.Revision));
        Assert.Equal(DatastoreErrorCode.Conflict, e.Code);
        Assert.Equal("{\"v\":\"2\"}", Text((await Store.GetAsync(Key("a")))!));
    }

    [Fact]
    public async Task Update_of_a_missing_key_fails_with_NotFound()
    {
        var e = await Assert.ThrowsAsync<DatastoreException>(() => Store.UpdateAsync(Key("nope"), Value("1"), 1));
        Assert.Equal(DatastoreErrorCode.NotFound, e.Code);
    }

    [Fact]
    public async Task Delete_checks_revision_and_uid_when_given()
    {
        var created = await Store.CreateAsync(Key("a"), Value("1"));
        var updated = await Store.UpdateAsync(Key("a"), Value("2"), created.Revision);
        var stale = await Assert.ThrowsAsync<DatastoreException>(() => Store.DeleteAsync(Key("a"), created.Revision));
        Assert.Equal(DatastoreErrorCode.Conflict, stale.Code);
        var wrongUid = await Assert.ThrowsAsync<DatastoreException>(() => Store.DeleteAsync(Key("a"), updated.Revision, "not-the-uid"));
        Assert.Equal(DatastoreErrorCode.Conflict, wrongUid.Code);
        Assert.NotNull(await Store.GetAsync(Key("a")));
        await Store.DeleteAsync(Key("a"), updated.Revision, updated.Uid);
        Assert.Null(await Store.GetAsync(Key("a")));
        var again = await Assert.ThrowsAsync<DatastoreException>(() => Store.DeleteAsync(Key("a")));
        Assert.Equal(DatastoreErrorCode.NotFound, again.Code);
    }

    [Fact]
    public async Task A_recreated_object_gets_a_new_uid()
    {
        var first = await Store.CreateAsync(Key("a"), Value("1"));
        await Store.DeleteAsync(Key("a"));
        var second = await Store.CreateAsync(Key("a"), Value("1"));
        Assert.NotEqual(first.Uid, second.Uid);
        Assert.True(second.Revision > first.Revision);
    }

    [Fact]
    public async Task List_returns_a_kind_in_key_order_filtered_by_namespace_labels_and_name_prefix()
    {
        await Store.CreateAsync(Key("b", "ns1"), Value("b"), new Dictionary<string, string> { ["app"] = "web" });
        await Store.CreateAsync(Key("a", "ns1"), Value("a"), new Dictionary<string, string> { ["app"] = "db" });
        await Store.CreateAsync(Key("a", "ns2"), Value("c"));
        await Store.CreateAsync(new ResourceKey("OtherKind", "ns1", "x"), Value("x"));
        var (all, revision) = await Store.ListAsync("ConformanceThing");
        Assert.Equal(["ns1/a", "ns1/b", "ns2/a"], all.Select(e => $"{e.Key.Namespace}/{e.Key.Name}"));
        Assert.True(revision >= all.Max(e => e.Revision));
        var (ns1, _) = await Store.ListAsync("ConformanceThing", "ns1");
        Assert.Equal(["a", "b"], ns1.Select(e => e.Key.Name));
        var (web, _) = await Store.ListAsync("ConformanceThing", labels: Selector.Parse("app == 'web'"));
        Assert.Equal(["b"], web.Select(e => e.Key.Name));
        var (unlabelled, _) = await Store.ListAsync("ConformanceThing", labels: Selector.Parse("!has(app)"));
        Assert.Equal(["ns2/a"], unlabelled.Select(e => $"{e.Key.Namespace}/{e.Key.Name}"));
        await Store.CreateAsync(Key("node-1-10-0-0-0-26"), Value("1"));
        await Store.CreateAsync(Key("node-10-10-0-0-64-26"), Value("2"));
        var (prefixed, _) = await Store.ListAsync("ConformanceThing", namePrefix: "node-1-");
        Assert.Equal(["node-1-10-0-0-0-26"], prefixed.Select(e => e.Key.Name));
    }

    [Fact]
    public async Task A_read_batch_sees_one_snapshot_and_answers_in_order()
    {
        await Store.CreateAsync(Key("a"), Value("1"));
        var result = await Store.ReadAsync([ReadOp.Get(Key("missing")), ReadOp.List("ConformanceThing"), ReadOp.Get(Key("a"))]);
        Assert.Null(result.Single(0));
        Assert.Single(result.Many(1));
        Assert.Equal("{\"v\":\"1\"}", Text(result.Single(2)!));
    }

    [Fact]
    public async Task A_commit_applies_all_its_writes_or_none()
    {
        var a = await Store.CreateAsync(Key("a"), Value("1"));
        await Store.CreateAsync(Key("b"), Value("1"));
        var e = await Assert.ThrowsAsync<DatastoreException>(() => Store.CommitAsync(
        [
            WriteOp.Update(Key("a"), Value("2"), a.Revision),
            WriteOp.Create(Key("c"), Value("new")),
            WriteOp.Create(Key("b"), Value("clash")),
        ]));
        Assert.Equal(DatastoreErrorCode.AlreadyExists, e.Code);
        Assert.Equal(Key("b"), e.Key);
        Assert.Equal("{\"v\":\"1\"}", Text((await Store.GetAsync(Key("a")))!));
        Assert.Null(await Store.GetAsync(Key("c")));
        var written = await Store.CommitAsync([WriteOp.Update(Key("a"), Value("2"), a.Revision), WriteOp.Create(Key("c"), Value("new")), WriteOp.Delete(Key("b"))]);
        Assert.Equal(3, written.Count);
        Assert.Null(written[2]);
        Assert.Equal("{\"v\":\"2\"}", Text((await Store.GetAsync(Key("a")))!));
        Assert.NotNull(await Store.GetAsync(Key("c")));
        Assert.Null(await Store.GetAsync(Key("b")));
    }

    [Fact]
    public async Task Concurrent_compare_and_swap_loops_from_two_clients_lose_no_update()
    {
        await using var peer = await OpenPeerAsync();
        await Store.CreateAsync(Key("counter"), Value("0"));
        const int perClient = 50;
        var conflicts = 0;
        async Task Increment(IDatastore client)
        {
            for (var i = 0; i < perClient; i++)
            {
                while (true)
                {
                    var current = (await client.GetAsync(Key("counter")))!;
                    var n = int.Parse(Text(current)[6..^2]);
                    try
                    {
                        await client.UpdateAsync(Key("counter"), Value((n + 1).ToString()), current.Revision);
                        break;
                    }
                    catch (DatastoreException e) when (e.Code == DatastoreErrorCode.Conflict)
                    {
                        Interlocked.Increment(ref conflicts);
                    }
                }
            }
        }
        await Task.WhenAll(Task.Run(() => Increment(Store)), Task.Run(() => Increment(peer)));
        Assert.Equal($"{{\"v\":\"{2 * perClient}\"}}", Text((await Store.GetAsync(Key("counter")))!));
    }

    [Fact]
    public async Task Watch_from_a_revision_delivers_every_later_change_in_order()
    {
        var a = await Store.CreateAsync(Key("a"), Value("1"));
        var start = a.Revision;
        await using var peer = await OpenPeerAsync();
        var b = await peer.CreateAsync(Key("b"), Value("1"));
        await peer.UpdateAsync(Key("a"), Value("2"), a.Revision);
        await peer.DeleteAsync(Key("b"), b.Revision);
        await peer.CreateAsync(new ResourceKey("OtherKind", "", "x"), Value("x"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var events = new List<WatchEvent>();
        await foreach (var e in Store.WatchAsync("ConformanceThing", null, start, cts.Token))
        {
            events.Add(e);
            if (events.Count == 3) break;
        }
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], events.Select(e => e.Type));
        Assert.Equal(["b", "a", "b"], events.Select(e => e.Entry.Key.Name));
        Assert.Equal("{\"v\":\"2\"}", Text(events[1].Entry));
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Revision < p.Second.Revision));
    }

    [Fact]
    public async Task Watch_in_one_namespace_delivers_only_that_namespaces_changes()
    {
        var start = (await Store.CreateAsync(Key("a", "ns1"), Value("1"))).Revision;
        await Store.CreateAsync(Key("a", "ns2"), Value("1"));
        await Store.CreateAsync(Key("a", "ns10"), Value("1"));
        await Store.CreateAsync(Key("b", "ns1"), Value("1"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var e in Store.WatchAsync("ConformanceThing", "ns1", start, cts.Token))
        {
            Assert.Equal(("ns1", "b"), (e.Entry.Key.Namespace, e.Entry.Key.Name));
            break;
        }
    }

    [Fact]
    public async Task Watch_from_a_compacted_revision_fails_with_Compacted_so_the_client_relists()
    {
        var a = await Store.CreateAsync(Key("a"), Value("1"));
        var b = await Store.UpdateAsync(Key("a"), Value("2"), a.Revision);
        await CompactAsync(b.Revision);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var e = await Assert.ThrowsAsync<DatastoreException>(async () =>
        {
            await foreach (var _ in Store.WatchAsync("ConformanceThing", null, a.Revision - 1, cts.Token)) { }
        });
        Assert.Equal(DatastoreErrorCode.Compacted, e.Code);
        var (items, revision) = await Store.ListAsync("ConformanceThing");
        await Store.UpdateAsync(Key("a"), Value("3"), items[0].Revision);
        await foreach (var change in Store.WatchAsync("ConformanceThing", null, revision, cts.Token))
        {
            Assert.Equal("{\"v\":\"3\"}", Text(change.Entry));
            break;
        }
    }

    [Fact]
    public async Task Round_trips_are_counted_per_read_batch_and_commit()
    {
        var before = Store.RoundTrips;
        await Store.ReadAsync([ReadOp.Get(Key("a")), ReadOp.List("ConformanceThing"), ReadOp.Get(Key("b"))]);
        await Store.CommitAsync([WriteOp.Create(Key("a"), Value("1")), WriteOp.Create(Key("b"), Value("1"))]);
        Assert.Equal(before + RoundTripsFor(3, 2), Store.RoundTrips);
    }
}
