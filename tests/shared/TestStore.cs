using CniNet.Datastore;
using CniNet.Datastore.Sqlite;
using CniNet.IpamCore;
using CniNet.Model.Documents;

namespace CniNet.Tests;

/// <summary>A real SQLite store file in a fresh temporary folder, removed afterwards.</summary>
public sealed class TestStore : IAsyncDisposable
{
    private readonly List<SqliteDatastore> _opened = [];

    public TestStore()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("cninet-test-").FullName;
        Path = System.IO.Path.Combine(Directory, "store.db");
        Store = Open();
    }

    public string Directory { get; }

    public string Path { get; }

    public SqliteDatastore Store { get; }

    /// <summary>Another connection to the same file, as another process (or CNI invocation) would have.</summary>
    public SqliteDatastore Open()
    {
        var store = SqliteDatastore.Open(Path);
        _opened.Add(store);
        return store;
    }

    public Task ApplyAsync(string yaml) => ApplyAsync(Store, yaml);

    /// <summary>Validates and applies every resource in <paramref name="yaml"/> to any store, as <c>cninetctl apply</c> does.</summary>
    public static async Task ApplyAsync(IDatastore store, string yaml)
    {
        var client = new ResourceClient(store);
        var resources = ResourceDocuments.Parse(yaml);
        await client.ValidateAllAsync(resources);
        foreach (var resource in resources) await client.ApplyAsync(resource);
    }

    public IpamClient Ipam(TimeProvider? clock = null) => new(Store, clock);

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _opened) await store.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
