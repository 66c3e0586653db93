using CniNet.Datastore.Sqlite;

namespace CniNet.Datastore;

/// <summary>
/// Which store to use, chosen the calicoctl way: <c>DATASTORE_TYPE</c> (default <c>sqlite</c>, the embedded store)
/// and, for SQLite, <c>SQLITE_PATH</c> (default <see cref="SqliteDatastore.DefaultPath"/>).
/// </summary>
public sealed record DatastoreConfig(string Type, string SqlitePath)
{
    public const string Sqlite = "sqlite";

    public static DatastoreConfig FromEnvironment() => new(
        Environment.GetEnvironmentVariable("DATASTORE_TYPE") is { Length: > 0 } type ? type : Sqlite,
        Environment.GetEnvironmentVariable("SQLITE_PATH") is { Length: > 0 } path ? path : SqliteDatastore.DefaultPath);

    public IDatastore Open() => Type switch
    {
        Sqlite => SqliteDatastore.Open(SqlitePath),
        _ => throw new DatastoreException(DatastoreErrorCode.Unavailable,
            $"datastore type \"{Type}\" is not supported by this build (supported: {Sqlite})"),
    };
}
