namespace CniNet.Datastore;

/// <summary>Answers to a read batch, in the order of its operations, and the store revision they were read at.</summary>
public sealed class ReadResult(long revision, IReadOnlyList<IReadOnlyList<KvEntry>> answers)
{
    public long Revision { get; } = revision;

    /// <summary>The object a <see cref="GetOp"/> found, or null.</summary>
    public KvEntry? Single(int index) => answers[index].Count == 0 ? null : answers[index][0];

    /// <summary>The objects a <see cref="ListOp"/> found.</summary>
    public IReadOnlyList<KvEntry> Many(int index) => answers[index];
}
