using CniNet.Cni;
using CniNet.Datastore;
using CniNet.IpamCore;
using CniNet.Linux;

namespace CniNet.CalicoCni;

/// <summary>Maps failures below the plugin to CNI error codes: transient ones to 11 (try again later), the rest to ours.</summary>
public static class CalicoErrors
{
    public static CniException Classify(Exception error) => error switch
    {
        CniException cni => cni,
        // A native library that failed to load surfaces as a type initializer's failure: report what really failed.
        TypeInitializationException { InnerException: { } inner } => Classify(inner),
        DatastoreException { Code: DatastoreErrorCode.Conflict } => new CniException(CniErrorCode.TryAgainLater, error.Message),
        // A store that does not answer (etcd down or partitioned) is transient: the runtime retries the sandbox.
        DatastoreException { Code: DatastoreErrorCode.Unavailable } => new CniException(CniErrorCode.TryAgainLater, $"datastore: {error.Message}"),
        DatastoreException or Microsoft.Data.Sqlite.SqliteException => new CniException(CniErrorCode.DatastoreFailure, $"datastore: {error.Message}"),
        IpamException { Code: IpamErrorCode.TooManyRetries } => new CniException(CniErrorCode.TryAgainLater, error.Message),
        IpamException { Code: IpamErrorCode.InvalidArgument } => new CniException(CniErrorCode.InvalidNetworkConfig, error.Message),
        IpamException => new CniException(CniErrorCode.AddressUnavailable, error.Message),
        LinuxException => new CniException(CniErrorCode.DataplaneFailure, error.Message),
        _ => new CniException(CniErrorCode.PluginFailure, $"{error.GetType().Name}: {error.Message}", error.StackTrace),
    };
}
