using CniNet.Model.Selectors;

namespace CniNet.Datastore;

/// <summary>One read in a batch; a whole batch is one round trip and sees one consistent snapshot.</summary>
public abstract record ReadOp
{
    public static ReadOp Get(ResourceKey key) => new GetOp(key);

    public static ReadOp List(string kind, string? ns = null, Selector? labels = null, string? namePrefix = null) =>
        new ListOp(kind, ns, labels, namePrefix);
}

public sealed record GetOp(ResourceKey Key) : ReadOp;

/// <summary>
/// Every object of a kind, ordered by key, optionally only in one namespace, matching a label selector, or with names
/// starting with a prefix (a range scan on the key, as an etcd prefix read).
/// </summary>
public sealed record ListOp(string Kind, string? Namespace, Selector? Labels, string? NamePrefix = null) : ReadOp;
