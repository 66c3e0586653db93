using System.Text;
using CniNet.Datastore;
using CniNet.Datastore.Etcd;
using Xunit;

namespace CniNet.Tests.Integration.Datastore;

/// <summary>The pure ResourceKey ↔ etcd key mapping: Calico's paths, round trips, order and range scans.</summary>
public sealed class EtcdKeyLayoutTests
{
    private readonly EtcdKeyLayout _layout = new();

    [Theory]
    [InlineData("IPPool", "", "default-ipv4-ippool", "/calico/resources/v3/projectcalico.org/ippools/default-ipv4-ippool")]
    [InlineData("NetworkPolicy", "prod", "allow-dns", "/calico/resources/v3/projectcalico.org/networkpolicies/prod/allow-dns")]
    [InlineData("GlobalNetworkSet", "", "blocked", "/calico/resources/v3/projectcalico.org/globalnetworksets/blocked")]
    [InlineData("IPAMBlock", "", "10-0-0-0-26", "/calico/ipam/v2/assignment/10-0-0-0-26")]
    [InlineData("IPAMHandle", "", "k8s-pod-network.abc", "/calico/ipam/v2/handle/k8s-pod-network.abc")]
    [InlineData("BlockAffinity", "", "node-1-10-0-0-0-26", "/calico/ipam/v2/host-affinity/node-1-10-0-0-0-26")]
    [InlineData("core.Pod", "default", "web-0", "/calico/resources/v1/core/pods/default/web-0")]
    [InlineData("networking.k8s.io.NetworkPolicy", "prod", "deny-all", "/calico/resources/v1/networking.k8s.io/networkpolicies/prod/deny-all")]
    public void Keys_follow_Calico_paths_and_parse_back(string kind, string ns, string name, string expected)
    {
        var key = new ResourceKey(kind, ns, name);
        Assert.Equal(expected, _layout.KeyOf(key));
        Assert.Equal(key, _layout.Parse(kind, expected));
    }

    [Fact]
    public void A_key_root_replaces_calico_and_keys_of_another_kind_or_deeper_paths_do_not_parse()
    {
        var layout = new EtcdKeyLayout("/test-1");
        Assert.Equal("/test-1/resources/v3/projectcalico.org/nodes/n1", layout.KeyOf(ResourceKey.Cluster("Node", "n1")));
        Assert.Null(layout.Parse("Node", "/test-1/resources/v3/projectcalico.org/ippools/p"));
        Assert.Null(layout.Parse("Node", "/test-1/resources/v3/projectcalico.org/nodes/a/b/c"));
        Assert.Throws<ArgumentException>(() => new EtcdKeyLayout("calico/"));
    }

    [Fact]
    public void Names_and_namespaces_with_a_slash_are_refused()
    {
        Assert.Throws<ArgumentException>(() => _layout.KeyOf(ResourceKey.Cluster("IPPool", "a/b")));
        Assert.Throws<ArgumentException>(() => _layout.KeyOf(new ResourceKey("NetworkPolicy", "x/y", "p")));
        Assert.Throws<ArgumentException>(() => _layout.KeyOf(ResourceKey.Cluster("IPPool", "")));
    }

    [Fact]
    public void Key_order_within_a_namespace_is_name_order()
    {
        string[] names = ["node-10-10-0-0-64-26", "node-1-10-0-0-0-26", "a", "a.b", "a-b", "a0", "z", "Z", "é", "日本", "\U0001F600", "\uFF21"];
        foreach (var ns in new[] { "", "kube-system" })
        {
            var keys = names.Select(n => new ResourceKey("NetworkPolicy", ns, n)).ToList();
            var byEtcdKey = keys.OrderBy(k => Encoding.UTF8.GetBytes(_layout.KeyOf(k)), ByteOrder.Instance).ToList();
            var byName = keys.ToList();
            byName.Sort(EtcdKeyLayout.CompareKeys);
            Assert.Equal(byName, byEtcdKey);
        }
    }

    [Fact]
    public void Lists_sort_by_namespace_then_name_where_etcd_key_order_differs()
    {
        var keys = new List<ResourceKey> { new("NetworkPolicy", "kube", "b"), new("NetworkPolicy", "kube-system", "a"), new("NetworkPolicy", "kube", "a") };
        keys.Sort(EtcdKeyLayout.CompareKeys);
        Assert.Equal(["kube/a", "kube/b", "kube-system/a"], keys.Select(k => $"{k.Namespace}/{k.Name}"));
    }

    [Fact]
    public void A_name_prefix_list_of_a_cluster_scoped_kind_is_a_range_scan_over_exactly_those_names()
    {
        var op = new ListOp("BlockAffinity", null, null, "node-1-");
        var (start, end) = _layout.RangeOf(op);
        bool InRange(string name)
        {
            var key = Encoding.UTF8.GetBytes(_layout.KeyOf(ResourceKey.Cluster("BlockAffinity", name)));
            return ByteOrder.Instance.Compare(key, start) >= 0 && ByteOrder.Instance.Compare(key, end) < 0;
        }
        Assert.True(InRange("node-1-10-0-0-0-26"));
        Assert.True(InRange("node-1-"));
        Assert.False(InRange("node-10-10-0-0-64-26"));
        Assert.False(InRange("node-1"));
        Assert.Equal("/calico/ipam/v2/host-affinity/node-1.", Encoding.UTF8.GetString(end));
    }

    [Fact]
    public void A_namespace_list_is_a_range_scan_of_that_namespace_only()
    {
        var (start, end) = _layout.RangeOf(new ListOp("NetworkPolicy", "kube", null));
        Assert.Equal("/calico/resources/v3/projectcalico.org/networkpolicies/kube/", Encoding.UTF8.GetString(start));
        Assert.Equal("/calico/resources/v3/projectcalico.org/networkpolicies/kube0", Encoding.UTF8.GetString(end));
    }

    [Fact]
    public void The_prefix_end_of_all_0xff_bytes_is_the_end_of_the_keyspace()
    {
        Assert.Equal([0], EtcdKeyLayout.PrefixEnd([0xff, 0xff]));
        Assert.Equal([(byte)'a', (byte)'c'], EtcdKeyLayout.PrefixEnd([(byte)'a', (byte)'b', 0xff]));
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
