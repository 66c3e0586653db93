namespace CniNet.Datastore;

/// <summary>The one error type the seam raises; backends translate their own failures into it.</summary>
public sealed class DatastoreException(DatastoreErrorCode code, string message, ResourceKey? key = null, Exception? inner = null)
    : Exception(message, inner)
{
    public DatastoreErrorCode Code { get; } = code;

    public ResourceKey? Key { get; } = key;

    public static DatastoreException NotFound(ResourceKey key) => new(DatastoreErrorCode.NotFound, $"resource does not exist: {key}", key);

    public static DatastoreException AlreadyExists(ResourceKey key) => new(DatastoreErrorCode.AlreadyExists, $"resource already exists: {key}", key);

    public static DatastoreException Conflict(ResourceKey key, string why) => new(DatastoreErrorCode.Conflict, $"update conflict: {key}: {why}", key);
}
