using CniNet.Datastore;
using CniNet.Model.Resources;

namespace CniNet.Felix.Agent;

/// <summary>
/// A kind the syncer lists and watches, and what the calculation keeps of each stored object: <see cref="Decode"/>
/// runs once per change, so an object that did not change stays the same object from one batch to the next (the
/// renderer skips unchanged policies and members by reference).
/// </summary>
public sealed record WatchedKind(ResourceKind Kind, Func<KvEntry, object> Decode)
{
    /// <summary>A kind kept as its typed resource.</summary>
    public static WatchedKind Typed(ResourceKind kind) => new(kind, entry => ResourceCodec.Decode<Resource>(kind, entry));
}
