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
