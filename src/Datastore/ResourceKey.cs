namespace CniNet.Datastore;

/// <summary>Where an object lives in a datastore: its store kind, namespace ("" when cluster-scoped) and name.</summary>
public readonly record struct ResourceKey(string Kind, string Namespace, string Name)
{
    public static ResourceKey Cluster(string kind, string name) => new(kind, "", name);

    public override string ToString() => Namespace.Length == 0 ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";
}
