using System.Text;
using CniNet.Model.Resources;

namespace CniNet.Datastore.Etcd;

/// <summary>
/// Where each object lives in etcd, Calico's way (libcalico-go <c>model</c> keys), under a root that is
/// <c>/calico</c> unless a test or a shared cluster wants its own:
/// <code>
/// IPAMBlock      {root}/ipam/v2/assignment/{name}
/// IPAMHandle     {root}/ipam/v2/handle/{name}
/// BlockAffinity  {root}/ipam/v2/host-affinity/{name}
/// IPAMConfig     {root}/ipam/v2/config/{name}
/// {group}.{Kind} {root}/resources/v1/{group}/{plural of kind, lower case}/[{ns}/]{name}   (Kubernetes kinds:
///                core.Node, networking.k8s.io.NetworkPolicy)
/// any other kind {root}/resources/v3/projectcalico.org/{plural of kind, lower case}/[{ns}/]{name}
/// </code>
/// Cluster-scoped objects (namespace "") have no namespace segment, so a kind's keys are the kind prefix followed by
/// <c>name</c> or <c>ns/name</c>; neither may contain '/'. Within one namespace, key order is name order (UTF-8 byte
/// order, as SQLite compares), and a name prefix is a range scan. Across namespaces, etcd orders <c>kube-system/x</c>
/// before <c>kube/x</c> ('-' sorts before '/'), so lists are sorted by (namespace, name) after the range read.
/// Store kinds that differ only in letter case would share a prefix; the kinds CniNet stores do not.
/// </summary>
public sealed class EtcdKeyLayout
{
    public const string DefaultRoot = "/calico";

    private static readonly Dictionary<string, string> IpamSegments = new()
    {
        [ResourceKinds.IPAMBlock.StoreKind] = "ipam/v2/assignment",
        [ResourceKinds.IPAMHandle.StoreKind] = "ipam/v2/handle",
        [ResourceKinds.BlockAffinity.StoreKind] = "ipam/v2/host-affinity",
        [ResourceKinds.IPAMConfig.StoreKind] = "ipam/v2/config",
    };

    private static readonly HashSet<string> ClusterScopedKinds =
        ResourceKinds.All.Where(k => !k.Namespaced).Select(k => k.StoreKind).ToHashSet();

    public EtcdKeyLayout(string root = DefaultRoot)
    {
        if (!root.StartsWith('/') || root.EndsWith('/'))
            throw new ArgumentException($"an etcd key root starts with '/' and does not end with one: \"{root}\"", nameof(root));
        Root = root;
    }

    public string Root { get; }

    /// <summary>The prefix every key of <paramref name="kind"/> starts with, ending in '/'.</summary>
    public string KindPrefix(string kind)
    {
        if (IpamSegments.TryGetValue(kind, out var ipam)) return $"{Root}/{ipam}/";
        var group = kind.LastIndexOf('.');
        return group > 0
            ? $"{Root}/resources/v1/{kind[..group]}/{Plural(kind[(group + 1)..])}/"
            : $"{Root}/resources/v3/projectcalico.org/{Plural(kind)}/";
    }

    public string KeyOf(ResourceKey key)
    {
        CheckSegment(key.Name, "name", key);
        if (key.Namespace.Length == 0) return KindPrefix(key.Kind) + key.Name;
        CheckSegment(key.Namespace, "namespace", key);
        return $"{KindPrefix(key.Kind)}{key.Namespace}/{key.Name}";
    }

    /// <summary>The object an etcd key names, or null when the key is not one of <paramref name="kind"/>'s.</summary>
    public ResourceKey? Parse(string kind, string etcdKey)
    {
        var prefix = KindPrefix(kind);
        if (!etcdKey.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var rest = etcdKey.AsSpan(prefix.Length);
        var slash = rest.IndexOf('/');
        if (slash < 0) return rest.Length == 0 ? null : new ResourceKey(kind, "", rest.ToString());
        var ns = rest[..slash];
        var name = rest[(slash + 1)..];
        if (ns.Length == 0 || name.Length == 0 || name.Contains('/')) return null;
        return new ResourceKey(kind, ns.ToString(), name.ToString());
    }

    /// <summary>
    /// The key range [start, end) that holds every object <paramref name="op"/> can return. It may hold more (a name
    /// prefix without a namespace spans every namespace of a namespaced kind); <see cref="Matches"/> is the exact test.
    /// </summary>
    public (byte[] Start, byte[] End) RangeOf(ListOp op)
    {
        var prefix = KindPrefix(op.Kind);
        var start = op.Namespace switch
        {
            null when op.NamePrefix is not null && ClusterScopedKinds.Contains(op.Kind) => prefix + op.NamePrefix,
            null => prefix,
            "" => prefix + op.NamePrefix,
            _ => $"{prefix}{op.Namespace}/{op.NamePrefix}",
        };
        var bytes = Encoding.UTF8.GetBytes(start);
        return (bytes, PrefixEnd(bytes));
    }

    /// <summary>Whether an object found in <see cref="RangeOf"/> belongs in the answer (labels aside).</summary>
    public static bool Matches(ListOp op, ResourceKey key) =>
        (op.Namespace is null || key.Namespace == op.Namespace)
        && (op.NamePrefix is null || key.Name.StartsWith(op.NamePrefix, StringComparison.Ordinal));

    /// <summary>The first key after every key starting with <paramref name="prefix"/> (etcd's <c>GetPrefixRangeEnd</c>).</summary>
    public static byte[] PrefixEnd(ReadOnlySpan<byte> prefix)
    {
        for (var i = prefix.Length - 1; i >= 0; i--)
        {
            if (prefix[i] == 0xff) continue;
            var end = prefix[..(i + 1)].ToArray();
            end[i]++;
            return end;
        }
        // Every byte is 0xff: "\0" as range end means "to the end of the keyspace".
        return [0];
    }

    /// <summary>SQLite's list order: namespace, then name, each by UTF-8 bytes (which is code point order).</summary>
    public static int CompareKeys(ResourceKey a, ResourceKey b)
    {
        var byNamespace = CompareCodePoints(a.Namespace, b.Namespace);
        return byNamespace != 0 ? byNamespace : CompareCodePoints(a.Name, b.Name);
    }

    private static int CompareCodePoints(string a, string b)
    {
        var left = a.EnumerateRunes();
        var right = b.EnumerateRunes();
        while (true)
        {
            var hasLeft = left.MoveNext();
            var hasRight = right.MoveNext();
            if (!hasLeft || !hasRight) return hasLeft.CompareTo(hasRight);
            var c = left.Current.Value.CompareTo(right.Current.Value);
            if (c != 0) return c;
        }
    }

    /// <summary>Calico's resource plurals: <c>ippools</c>, <c>networkpolicies</c>, <c>globalnetworksets</c>.</summary>
    private static string Plural(string kind)
    {
        var lower = kind.ToLowerInvariant();
        if (lower.EndsWith('y') && lower.Length > 1 && !"aeiou".Contains(lower[^2])) return lower[..^1] + "ies";
        return lower.EndsWith('s') ? lower + "es" : lower + "s";
    }

    private static void CheckSegment(string segment, string what, ResourceKey key)
    {
        if (segment.Length == 0 || segment.Contains('/'))
            throw new ArgumentException($"{key}: an etcd-stored {what} must be non-empty and free of '/'");
    }
}
