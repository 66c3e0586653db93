using CniNet.Datastore.Etcd;
using CniNet.Datastore.Sqlite;

namespace CniNet.Datastore;

/// <summary>
/// Which store to use, chosen the calicoctl way: <c>DATASTORE_TYPE</c> (default <c>sqlite</c>, the embedded store)
/// and, for SQLite, <c>SQLITE_PATH</c> (default <see cref="SqliteDatastore.DefaultPath"/>); for <c>etcdv3</c>,
/// <c>ETCD_ENDPOINTS</c> (comma-separated http URLs, default <see cref="DefaultEtcdEndpoints"/>, as calicoctl).
/// </summary>
public sealed record DatastoreConfig(string Type, string SqlitePath, string EtcdEndpoints = DatastoreConfig.DefaultEtcdEndpoints)
{
    public const string Sqlite = "sqlite";
    public const string Etcd = "etcdv3";
    public const string DefaultEtcdEndpoints = "http://127.0.0.1:2379";

    public static DatastoreConfig FromEnvironment() => new(
        Environment.GetEnvironmentVariable("DATASTORE_TYPE") is { Length: > 0 } type ? type : Sqlite,
        Environment.GetEnvironmentVariable("SQLITE_PATH") is { Length: > 0 } path ? path : SqliteDatastore.DefaultPath,
        Environment.GetEnvironmentVariable("ETCD_ENDPOINTS") is { Length: > 0 } endpoints ? endpoints : DefaultEtcdEndpoints);

    public IDatastore Open() => Type switch
    {
        Sqlite => SqliteDatastore.Open(SqlitePath),
        Etcd => EtcdDatastore.Open(EtcdEndpoints),
        _ => throw new DatastoreException(DatastoreErrorCode.Unavailable,
            $"datastore type \"{Type}\" is not supported by this build (supported: {Sqlite}, {Etcd})"),
    };
}
