using System.Net;
using CniNet.Model.Net;
using CniNet.Tests.Integration.Linux;
using Xunit;

namespace CniNet.Tests.Integration.Cni;

/// <summary>
/// The plugins on a real etcd, chosen the Calico way by the netconf's <c>datastore_type</c> and <c>etcd_endpoints</c>.
/// etcd runs inside the node's namespace (the plugins' loopback), and the store is read back with <c>cninetctl</c>
/// from there too, configured by <c>DATASTORE_TYPE</c> and <c>ETCD_ENDPOINTS</c>.
/// </summary>
public sealed class CalicoOnEtcdTests : IAsyncLifetime
{
    private const string Pool = "10.72.0.0/16";
    private readonly CniNode _node = new();
    private EtcdServer? _etcd;

    public async Task InitializeAsync()
    {
        // xUnit does not dispose a test class whose set-up failed: the node namespace must not outlive a failed start.
        try
        {
            _etcd = new EtcdServer(null, TestNamespaces.NameOf(_node.Host));
            var poolFile = Path.Combine(_node.Store.Directory, "etcd-pool.yaml");
            await File.WriteAllTextAsync(poolFile, Yaml.Pool("etcd-pool", Pool));
            var apply = Ctl("apply", "-f", poolFile);
            Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        _etcd?.Dispose();
        await _node.DisposeAsync();
    }

    private (int ExitCode, string Stdout, string Stderr) Ctl(params string[] args) =>
        TestNamespaces.Exec(_node.Host, ["env", "DATASTORE_TYPE=etcdv3", $"ETCD_ENDPOINTS={_etcd!.Endpoint}", OutBin.PathOf("cninetctl"), .. args]);

    private System.Text.Json.Nodes.JsonObject Config() => _node.Config(change: c =>
    {
        c["datastore_type"] = "etcdv3";
        c["etcd_endpoints"] = _etcd!.Endpoint.ToString();
    });

    [Fact]
    public void Add_allocates_from_the_etcd_pool_writes_the_endpoint_there_and_del_gives_it_back()
    {
        var conf = Config();
        var (first, _) = _node.Pod();
        var (second, _) = _node.Pod();
        var addFirst = _node.Add(conf, "etcd-1", first, podName: "etcd-1");
        Assert.True(addFirst.ExitCode == 0, addFirst.Stdout + addFirst.Stderr);
        var add = _node.Add(conf, "etcd-2", second, podName: "etcd-2");
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        var address = IPAddress.Parse(((string)add.Json["ips"]![0]!["address"]!).Split('/')[0]);
        Assert.True(Cidr.Parse(Pool).Contains(address), address.ToString());
        // A warm ADD costs two round trips on etcd as well.
        Assert.Contains("2 datastore round trips", File.ReadLines(_node.LogFile).Last(l => l.Contains("ADD node--1-k8s-etcd--2-eth0")));

        // The allocation and the endpoint are in etcd.
        var held = Ctl("ipam", "show", $"--ip={address}");
        Assert.Contains($"Handle ID: {CniNode.Network}.etcd-2", held.Stdout);
        var endpoints = Ctl("get", "workloadendpoint", "-A").Stdout;
        Assert.Contains("etcd-2", endpoints);
        Assert.Contains($"{address}/32", endpoints);
        Assert.Contains("node--1-k8s-etcd--2-eth0", Ctl("get", "workloadendpoint", "-A", "-o", "wide").Stdout);

        foreach (var (id, ns) in new[] { ("etcd-1", first), ("etcd-2", second) })
        {
            var del = _node.Del(conf, id, ns.Path, podName: id);
            Assert.True(del.ExitCode == 0, del.Stdout + del.Stderr);
        }
        Assert.Contains("is not assigned", Ctl("ipam", "show", $"--ip={address}").Stdout);
        Assert.DoesNotContain("etcd-2", Ctl("get", "workloadendpoint", "-A").Stdout);
        Assert.Contains("found 0 problems", Ctl("ipam", "check").Stdout);
        Assert.Empty(_node.HostLinks());
    }
}
