using CniNet.Datastore;

namespace CniNet.IpamCore;

/// <summary>The answers to a caller's own reads that rode along in an assignment's first round trip, in request order.</summary>
public sealed class ExtraReads(ReadResult read, int offset)
{
    public KvEntry? Single(int index) => read.Single(offset + index);

    public IReadOnlyList<KvEntry> Many(int index) => read.Many(offset + index);
}
