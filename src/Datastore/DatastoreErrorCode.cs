namespace CniNet.Datastore;

public enum DatastoreErrorCode
{
    NotFound,
    AlreadyExists,

    /// <summary>The compare part of a compare-and-swap failed: someone wrote the object since it was read.</summary>
    Conflict,

    /// <summary>A watch asked for history the store no longer keeps; re-list and watch from the list's revision.</summary>
    Compacted,

    /// <summary>The store cannot be reached or opened; worth retrying later.</summary>
    Unavailable,

    /// <summary>The store refused the credentials (a Kubernetes 401 or 403): retrying will not help.</summary>
    Unauthorized,

    /// <summary>The backend cannot do this to this kind (a Calico Node in the Kubernetes datastore is the cluster's own Node).</summary>
    NotSupported,
}
