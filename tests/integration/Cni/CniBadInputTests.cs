using System.Text.Json.Nodes;
using CniNet.Datastore;
using CniNet.IpamCore;
using CniNet.Model.Policy;
using CniNet.Model.Resources;
using Xunit;

namespace CniNet.Tests.Integration.Cni;

/// <summary>
/// Bad input gets the specification's error code, a non-zero exit, an error object on stdout, and leaves nothing
/// behind: no link on the node, no address held, no endpoint.
/// </summary>
public sealed class CniBadInputTests : IAsyncLifetime
{
    private readonly CniNode _node = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private async Task AssertNothingLeftAsync()
    {
        Assert.Empty(_node.HostLinks());
        var report = await new IpamReports(_node.Store.Store).GetUtilizationAsync();
        Assert.All(report.Pools, p => Assert.Equal(UInt128.Zero, p.InUse));
        var (endpoints, _) = await _node.Store.Store.ListAsync(PolicyKinds.WorkloadEndpoint.StoreKind);
        Assert.Empty(endpoints);
    }

    private async Task AssertFailsAsync(CniNode.Response response, int code, string? messagePart = null)
    {
        Assert.NotEqual(0, response.ExitCode);
        Assert.True(code == response.ErrorCode, response.Stdout + response.Stderr);
        if (messagePart is not null) Assert.Contains(messagePart, (string)response.Json["msg"]!);
        await AssertNothingLeftAsync();
    }

    private CniNode.Response Add(string stdin, string containerId = "ctr-bad", string? netns = null, string ifName = "eth0",
        IReadOnlyDictionary<string, string?>? env = null)
    {
        var (pod, _) = _node.Pod();
        return _node.Invoke("ADD", stdin, containerId, netns ?? pod.Path, ifName, CniNode.KubeletArgs("default", "bad"), env: env);
    }

    [Fact]
    public async Task Malformed_json_is_a_decode_error() => await AssertFailsAsync(Add("{\"cniVersion\": \"1.0.0\", "), 6);

    [Fact]
    public async Task An_unknown_cni_version_is_an_incompatible_version() =>
        await AssertFailsAsync(Add(_node.Config("9.9.9").ToJsonString()), 1, "9.9.9");

    [Fact]
    public async Task Missing_environment_variables_are_named()
    {
        await AssertFailsAsync(Add(_node.Config().ToJsonString(), env: new Dictionary<string, string?> { ["CNI_COMMAND"] = null }), 4, "CNI_COMMAND");
        await AssertFailsAsync(Add(_node.Config().ToJsonString(), containerId: ""), 3, "CNI_CONTAINERID");
        await AssertFailsAsync(Add(_node.Config().ToJsonString(), ifName: ""), 4, "CNI_IFNAME");
        await AssertFailsAsync(Add(_node.Config().ToJsonString(), netns: ""), 4, "CNI_NETNS");
    }

    [Fact]
    public async Task An_interface_name_longer_than_15_characters_is_refused() =>
        await AssertFailsAsync(Add(_node.Config().ToJsonString(), ifName: "eth0123456789012"), 4, "CNI_IFNAME");

    [Fact]
    public async Task A_container_id_with_bad_characters_is_refused() =>
        await AssertFailsAsync(Add(_node.Config().ToJsonString(), containerId: "bad/id;rm"), 4, "CNI_CONTAINERID");

    [Fact]
    public async Task A_netns_path_that_does_not_exist_is_an_unknown_container() =>
        await AssertFailsAsync(Add(_node.Config().ToJsonString(), netns: "/run/netns/cninet-no-such-netns"), 3);

    [Fact]
    public async Task A_pool_that_does_not_exist_is_a_config_error() =>
        await AssertFailsAsync(Add(_node.Config(change: c => c["ipam"]!["ipv4_pools"] = new JsonArray("no-such-pool")).ToJsonString()), 7, "no-such-pool");

    [Fact]
    public async Task An_exhausted_pool_fails_and_holds_nothing_for_the_pod()
    {
        await using var small = new CniNode("10.66.0.0/30", blockSize: 30);
        var ipam = small.Store.Ipam();
        for (var i = 0; i < 4; i++)
            await ipam.AutoAssignAsync(new AutoAssignArgs { Hostname = CniNode.NodeName, HandleId = $"filler-{i}", Num4 = 1 });
        var (pod, _) = small.Pod();
        var response = small.Add(small.Config(), "ctr-full", pod, podName: "full");
        Assert.True(response.ErrorCode == 102, response.Stdout + response.Stderr);
        Assert.Contains("Assigned 0 out of 1", (string)response.Json["msg"]!);
        Assert.Empty(small.HostLinks());
        Assert.Empty(await ipam.IPsByHandleAsync($"{CniNode.Network}.ctr-full"));
        Assert.Empty((await small.Store.Store.ListAsync(PolicyKinds.WorkloadEndpoint.StoreKind)).Items);
    }

    [Fact]
    public async Task A_datastore_file_that_cannot_be_opened_is_a_datastore_error() =>
        await AssertFailsAsync(Add(_node.Config(change: c => c["sqlite_path"] = "/proc/cninet-no-such-dir/store.db").ToJsonString()), 101);

    [Fact]
    public async Task An_etcd_store_that_does_not_answer_is_try_again_later()
    {
        // A loopback port nothing listens on: the connection is refused at once.
        var unreachable = _node.Config(change: c =>
        {
            c["datastore_type"] = "etcdv3";
            c["etcd_endpoints"] = "http://127.0.0.1:1";
        });
        var response = Add(unreachable.ToJsonString());
        await AssertFailsAsync(response, 11, "127.0.0.1:1");
    }

    [Fact]
    public async Task An_existing_interface_in_the_pod_is_refused_before_anything_is_allocated()
    {
        var (pod, podLink) = _node.Pod();
        podLink.CreateVethPair("eth0", "eth0peer", null, 1500);
        var response = _node.Invoke("ADD", _node.Config().ToJsonString(), "ctr-dup", pod.Path, "eth0", CniNode.KubeletArgs("default", "dup"));
        Assert.NotEqual(0, response.ExitCode);
        Assert.Contains("already exists", (string)response.Json["msg"]!);
        await AssertNothingLeftAsync();
    }

    [Fact]
    public async Task A_plugin_installed_without_the_executable_it_runs_in_is_an_io_error()
    {
        var dir = Directory.CreateTempSubdirectory("cninet-lonely-plugin-");
        try
        {
            var lonely = Path.Combine(dir.FullName, "calico");
            File.Copy(OutBin.PathOf("calico"), lonely);
            File.SetUnixFileMode(lonely, (UnixFileMode)0b111_101_101);
            var (pod, _) = _node.Pod();
            var response = _node.Invoke("ADD", _node.Config().ToJsonString(), "ctr-lonely", pod.Path, cniArgs: CniNode.KubeletArgs("default", "lonely"), plugin: lonely);
            await AssertFailsAsync(response, 5, "cninet-cni");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
