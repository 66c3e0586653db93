using CniNet.Datastore.Etcd;
using CniNet.Datastore.Http;
using CniNet.Datastore.Kubernetes;
using CniNet.Datastore.Sqlite;

namespace CniNet.Datastore;

/// <summary>
/// Which store to use, chosen the calicoctl way: <c>DATASTORE_TYPE</c> (default <c>sqlite</c>, the embedded store)
/// and, for SQLite, <c>SQLITE_PATH</c> (default <see cref="SqliteDatastore.DefaultPath"/>); for <c>etcdv3</c>,
/// <c>ETCD_ENDPOINTS</c> (comma-separated http or https URLs, default <see cref="DefaultEtcdEndpoints"/>, as calicoctl)
/// and for https <c>ETCD_CA_CERT_FILE</c>, <c>ETCD_CERT_FILE</c>, <c>ETCD_KEY_FILE</c> (PEM); for <c>kubernetes</c>,
/// <c>KUBECONFIG</c> (the in-cluster service account when unset).
/// </summary>
public sealed record DatastoreConfig(string Type, string SqlitePath, string EtcdEndpoints = DatastoreConfig.DefaultEtcdEndpoints)
{
    public string? EtcdCaCertFile { get; init; }

    public string? EtcdCertFile { get; init; }

    public string? EtcdKeyFile { get; init; }

    public string? Kubeconfig { get; init; }

    public const string Sqlite = "sqlite";
    public const string Etcd = "etcdv3";
    public const string Kubernetes = "kubernetes";
    public const string DefaultEtcdEndpoints = "http://127.0.0.1:2379";

    public static DatastoreConfig FromEnvironment() => new(
        Environment.GetEnvironmentVariable("DATASTORE_TYPE") is { Length: > 0 } type ? type : Sqlite,
        Environment.GetEnvironmentVariable("SQLITE_PATH") is { Length: > 0 } path ? path : SqliteDatastore.DefaultPath,
        Environment.GetEnvironmentVariable("ETCD_ENDPOINTS") is { Length: > 0 } endpoints ? endpoints : DefaultEtcdEndpoints)
    {
        EtcdCaCertFile = Environment.GetEnvironmentVariable("ETCD_CA_CERT_FILE"),
        EtcdCertFile = Environment.GetEnvironmentVariable("ETCD_CERT_FILE"),
        EtcdKeyFile = Environment.GetEnvironmentVariable("ETCD_KEY_FILE"),
        Kubeconfig = Environment.GetEnvironmentVariable("KUBECONFIG"),
    };

    public IDatastore Open() => Type switch
    {
        Sqlite => SqliteDatastore.Open(SqlitePath),
        Etcd => EtcdDatastore.Open(EtcdEndpoints, EtcdTls()),
        Kubernetes => KubernetesDatastore.Open(Kubeconfig,
            Environment.GetEnvironmentVariable("FELIX_INTERFACEPREFIX")?.Split(',')[0] is { Length: > 0 } prefix ? prefix : Model.Naming.WorkloadNames.DefaultInterfacePrefix),
        _ => throw new DatastoreException(DatastoreErrorCode.Unavailable,
            $"datastore type \"{Type}\" is not supported by this build (supported: {Sqlite}, {Etcd}, {Kubernetes})"),
    };

    private Http1Tls EtcdTls()
    {
        try
        {
            return Http1Tls.FromPemFiles(EtcdCaCertFile, EtcdCertFile, EtcdKeyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new DatastoreException(DatastoreErrorCode.Unavailable, $"etcd TLS files (ETCD_CA_CERT_FILE, ETCD_CERT_FILE, ETCD_KEY_FILE): {e.Message}", inner: e);
        }
    }
}
