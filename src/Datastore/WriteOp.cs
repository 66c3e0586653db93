namespace CniNet.Datastore;

public enum WriteKind
{
    /// <summary>Fails with AlreadyExists when the key is present.</summary>
    Create,

    /// <summary>Fails with NotFound when absent, Conflict when the stored revision differs from the one given.</summary>
    Update,

    /// <summary>Fails with NotFound when absent, Conflict when a given revision or UID differs.</summary>
    Delete,
}

/// <summary>
/// One compare-and-swap write in a commit. A commit applies all its writes or none. <see cref="Labels"/> are the
/// object's metadata labels, kept beside the value so label-selected lists need not decode every object.
/// </summary>
public sealed record WriteOp(
    WriteKind Kind,
    ResourceKey Key,
    byte[]? Value = null,
    long? Revision = null,
    string? Uid = null,
    IReadOnlyDictionary<string, string>? Labels = null)
{
    public static WriteOp Create(ResourceKey key, byte[] value, IReadOnlyDictionary<string, string>? labels = null) =>
        new(WriteKind.Create, key, value, Labels: labels);

    public static WriteOp Update(ResourceKey key, byte[] value, long revision, IReadOnlyDictionary<string, string>? labels = null) =>
        new(WriteKind.Update, key, value, revision, Labels: labels);

    public static WriteOp Delete(ResourceKey key, long? revision = null, string? uid = null) =>
        new(WriteKind.Delete, key, Revision: revision, Uid: uid);
}
