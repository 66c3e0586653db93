using System.Text;
using System.Text.Json;
using CniNet.Datastore;
using CniNet.Datastore.Etcd;
using Xunit;

namespace CniNet.Tests.Integration.Datastore;

/// <summary>What the etcd backend does beyond the conformance suite: endpoints, paging, the stored shape, round trips.</summary>
public sealed class EtcdDatastoreTests(EtcdServer server) : IClassFixture<EtcdServer>, IAsyncLifetime
{
    private readonly string _root = $"/cninet-test-{Guid.NewGuid():N}";
    private EtcdDatastore _store = null!;

    public Task InitializeAsync()
    {
        _store = new EtcdDatastore([server.Endpoint], _root);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private static byte[] Value(string text) => Encoding.UTF8.GetBytes($"{{\"v\":\"{text}\"}}");

    private static ResourceKey Block(string name) => ResourceKey.Cluster("IPAMBlock", name);

    [Fact]
    public async Task An_unreachable_etcd_is_Unavailable_and_the_message_names_every_endpoint()
    {
        var dead1 = $"http://127.0.0.1:{EtcdServer.FreePort()}";
        var dead2 = $"http://127.0.0.1:{EtcdServer.FreePort()}";
        await using var store = EtcdDatastore.Open($"{dead1},{dead2}");
        var e = await Assert.ThrowsAsync<DatastoreException>(() => store.GetAsync(Block("b")));
        Assert.Equal(DatastoreErrorCode.Unavailable, e.Code);
        Assert.Contains(dead1, e.Message);
        Assert.Contains(dead2, e.Message);
    }

    [Fact]
    public async Task A_dead_first_endpoint_fails_over_to_the_next()
    {
        var dead = $"http://127.0.0.1:{EtcdServer.FreePort()}";
        await using var store = new DatastoreConfig(DatastoreConfig.Etcd, "", $"{dead}, {server.Endpoint}").Open();
        Assert.IsType<EtcdDatastore>(store);
        var created = await store.CreateAsync(new ResourceKey("NetworkPolicy", _root[1..], "p"), Value("1"));
        Assert.Equal(created.Uid, (await store.GetAsync(created.Key))!.Uid);
        await store.DeleteAsync(created.Key, created.Revision, created.Uid);
    }

    [Fact]
    public void Sqlite_stays_the_default_and_etcd_endpoints_default_to_the_local_member()
    {
        var config = DatastoreConfig.FromEnvironment();
        if (Environment.GetEnvironmentVariable("DATASTORE_TYPE") is null) Assert.Equal(DatastoreConfig.Sqlite, config.Type);
        Assert.Equal("http://127.0.0.1:2379", new DatastoreConfig(DatastoreConfig.Etcd, "").EtcdEndpoints);
    }

    [Fact]
    public async Task A_list_longer_than_a_page_reads_on_at_the_same_revision_in_key_order()
    {
        await using var store = new EtcdDatastore([server.Endpoint], _root, pageSize: 2);
        var names = Enumerable.Range(0, 7).Select(i => $"10-0-{i}-0-26").ToList();
        foreach (var name in names) await store.CreateAsync(Block(name), Value(name));
        await using var writer = new EtcdDatastore([server.Endpoint], _root);
        var before = store.RoundTrips;
        var (items, revision) = await store.ListAsync("IPAMBlock");
        Assert.Equal(names, items.Select(e => e.Key.Name));
        Assert.Equal(before + 4, store.RoundTrips);
        Assert.True(items.All(e => e.Revision <= revision));
        var (prefixed, _) = await store.ListAsync("IPAMBlock", namePrefix: "10-0-1");
        Assert.Equal(["10-0-1-0-26"], prefixed.Select(e => e.Key.Name));
    }

    [Fact]
    public async Task The_stored_value_is_the_documented_envelope_at_Calicos_path()
    {
        var created = await _store.CreateAsync(ResourceKey.Cluster("IPPool", "pool-a"), Value("x"), new Dictionary<string, string> { ["zone"] = "a" });
        using var http = new HttpClient();
        var key = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_root}/resources/v3/projectcalico.org/ippools/pool-a"));
        var response = await http.PostAsync(new Uri(server.Endpoint, "/v3/kv/range"), new StringContent($"{{\"key\":\"{key}\"}}"));
        using var range = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var kv = range.RootElement.GetProperty("kvs")[0];
        Assert.Equal(created.Revision.ToString(), kv.GetProperty("mod_revision").GetString());
        using var envelope = JsonDocument.Parse(Convert.FromBase64String(kv.GetProperty("value").GetString()!));
        Assert.Equal(created.Uid, envelope.RootElement.GetProperty("uid").GetString());
        Assert.Equal(created.Created, envelope.RootElement.GetProperty("created").GetDateTime().ToUniversalTime());
        Assert.Equal("a", envelope.RootElement.GetProperty("labels").GetProperty("zone").GetString());
        Assert.Equal("{\"v\":\"x\"}", Encoding.UTF8.GetString(envelope.RootElement.GetProperty("value").GetBytesFromBase64()));
    }

    [Fact]
    public async Task A_read_modify_write_costs_one_round_trip_each_and_a_client_that_never_read_pays_one_more()
    {
        var created = await _store.CreateAsync(Block("b"), Value("1"));
        var read = (await _store.GetAsync(Block("b")))!;
        var before = _store.RoundTrips;
        var updated = await _store.UpdateAsync(Block("b"), Value("2"), read.Revision);
        Assert.Equal(before + 1, _store.RoundTrips);
        Assert.Equal(created.Uid, updated.Uid);

        await using var stranger = new EtcdDatastore([server.Endpoint], _root);
        var again = await stranger.UpdateAsync(Block("b"), Value("3"), updated.Revision);
        Assert.Equal(2, stranger.RoundTrips);
        Assert.Equal(created.Uid, again.Uid);
        Assert.Equal(created.Created, again.Created);
        var stale = await Assert.ThrowsAsync<DatastoreException>(() => _store.UpdateAsync(Block("b"), Value("4"), updated.Revision));
        Assert.Equal(DatastoreErrorCode.Conflict, stale.Code);
    }

    [Fact]
    public async Task A_delete_by_uid_from_a_client_that_never_read_checks_the_stored_uid()
    {
        var created = await _store.CreateAsync(Block("b"), Value("1"));
        await using var stranger = new EtcdDatastore([server.Endpoint], _root);
        var wrong = await Assert.ThrowsAsync<DatastoreException>(() => stranger.DeleteAsync(Block("b"), uid: "someone-else"));
        Assert.Equal(DatastoreErrorCode.Conflict, wrong.Code);
        // The UID is unchanged by an update, so a delete by UID alone still succeeds after one.
        await _store.UpdateAsync(Block("b"), Value("2"), created.Revision);
        await stranger.DeleteAsync(Block("b"), uid: created.Uid);
        Assert.Null(await _store.GetAsync(Block("b")));
        var missing = await Assert.ThrowsAsync<DatastoreException>(() => stranger.DeleteAsync(Block("b"), uid: created.Uid));
        Assert.Equal(DatastoreErrorCode.NotFound, missing.Code);
    }

    [Fact]
    public async Task A_commit_naming_a_key_twice_is_refused_before_it_is_sent()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _store.CommitAsync([WriteOp.Create(Block("b"), Value("1")), WriteOp.Delete(Block("b"))]));
        Assert.Equal(0, _store.RoundTrips);
    }
}
