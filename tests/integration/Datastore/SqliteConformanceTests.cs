using System.Text;
using CniNet.Datastore;
using CniNet.Datastore.Sqlite;
using Xunit;

namespace CniNet.Tests.Integration.Datastore;

/// <summary>The conformance suite on the embedded store: real SQLite files in a temporary folder.</summary>
public sealed class SqliteConformanceTests : DatastoreConformance
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cninet-conformance-").FullName;

    private string PathName => Path.Combine(_directory, "store.db");

    protected override Task<IDatastore> OpenAsync() => Task.FromResult<IDatastore>(SqliteDatastore.Open(PathName));

    protected override Task<IDatastore> OpenPeerAsync() => Task.FromResult<IDatastore>(SqliteDatastore.Open(PathName));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static ResourceKey Thing(string name) => new("RememberedThing", "", name);

    private static byte[] Value(string text) => Encoding.UTF8.GetBytes($"{{\"v\":\"{text}\"}}");

    private static string Text(KvEntry entry) => Encoding.UTF8.GetString(entry.Value);

    [Fact]
    public async Task Reads_remembered_by_one_connection_see_what_another_connection_committed_since()
    {
        var a = await Store.CreateAsync(Thing("a"), Value("1"));
        await Store.CreateAsync(Thing("c"), Value("1"));
        var before = await Store.ReadAsync([ReadOp.Get(Thing("a")), ReadOp.Get(Thing("b")), ReadOp.List("RememberedThing")]);
        Assert.Equal(2, before.Many(2).Count);

        await using var peer = await OpenPeerAsync();
        await peer.CommitAsync([WriteOp.Update(Thing("a"), Value("2"), a.Revision), WriteOp.Create(Thing("b"), Value("1")), WriteOp.Delete(Thing("c"))]);

        var after = await Store.ReadAsync([ReadOp.Get(Thing("a")), ReadOp.Get(Thing("b")), ReadOp.List("RememberedThing")]);
        Assert.Equal("{\"v\":\"2\"}", Text(after.Single(0)!));
        Assert.NotNull(after.Single(1));
        Assert.Equal(["a", "b"], after.Many(2).Select(e => e.Key.Name));
        Assert.True(after.Revision > before.Revision);
        var stale = await Assert.ThrowsAsync<DatastoreException>(() => Store.UpdateAsync(Thing("a"), Value("3"), a.Revision));
        Assert.Equal(DatastoreErrorCode.Conflict, stale.Code);
    }

    [Fact]
    public async Task A_connection_reads_its_own_commits_and_lists_them()
    {
        var listed = await Store.ListAsync("RememberedThing");
        Assert.Empty(listed.Items);
        var created = await Store.CreateAsync(Thing("a"), Value("1"));
        var updated = await Store.UpdateAsync(Thing("a"), Value("2"), created.Revision);
        var read = await Store.ReadAsync([ReadOp.Get(Thing("a")), ReadOp.List("RememberedThing")]);
        Assert.Equal(updated.Revision, read.Single(0)!.Revision);
        Assert.Equal(created.Uid, read.Single(0)!.Uid);
        Assert.Equal(updated.Revision, Assert.Single(read.Many(1)).Revision);
        await Store.DeleteAsync(Thing("a"), updated.Revision);
        Assert.Null(await Store.GetAsync(Thing("a")));
        Assert.Empty((await Store.ListAsync("RememberedThing")).Items);
    }

    [Fact]
    public async Task A_busy_connection_checkpoints_in_the_background_and_every_commit_stays_readable()
    {
        var revisions = new long[8];
        for (var i = 0; i < 600; i++)
        {
            var slot = i % revisions.Length;
            revisions[slot] = i < revisions.Length
                ? (await Store.CreateAsync(Thing($"t{slot}"), Value($"{i}"))).Revision
                : (await Store.UpdateAsync(Thing($"t{slot}"), Value($"{i}"), revisions[slot])).Revision;
        }
        await using (var peer = await OpenPeerAsync())
        {
            var seen = (await peer.ListAsync("RememberedThing")).Items;
            Assert.Equal(Enumerable.Range(592, 8).Select(i => $"{{\"v\":\"{i}\"}}").Order(), seen.Select(Text).Order());
        }
        await Store.DisposeAsync();
        await using var reopened = SqliteDatastore.Open(PathName);
        Assert.Equal(revisions.Order(), (await reopened.ListAsync("RememberedThing")).Items.Select(e => e.Revision).Order());
    }

    [Fact]
    public void The_store_file_is_private_to_root()
    {
        var mode = File.GetUnixFileMode(PathName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_reported_as_unavailable()
    {
        var bogus = Path.Combine(_directory, "bogus.db");
        File.WriteAllText(bogus, "this is not an SQLite database, just some text that is long enough to have a header");
        var e = Assert.Throws<DatastoreException>(() => SqliteDatastore.Open(bogus));
        Assert.Equal(DatastoreErrorCode.Unavailable, e.Code);
        Assert.Contains(bogus, e.Message);
    }
}
