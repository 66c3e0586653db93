using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CniNet.Datastore;
using CniNet.IpamCore;
using CniNet.Linux;
using CniNet.Model.Policy;
using CniNet.Model.Resources;
using CniNet.Tests.Integration.Linux;
using Xunit;

namespace CniNet.Tests.Integration.Cni;

/// <summary>The published <c>calico</c> and <c>calico-ipam</c> binaries driven as kubelet drives them, in real namespaces.</summary>
public sealed class CalicoPluginTests : IAsyncLifetime
{
    private readonly CniNode _node = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private static string HostVeth(string ns, string pod) =>
        "cali" + Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes($"{ns}.{pod}")))[..11];

    private string HostSysctl(string key) => _node.Host.Run(() => Sysctl.Read(key));

    [Theory]
    [InlineData("0.3.0")]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    [InlineData("1.1.0")]
    public async Task Add_check_del_and_del_again_work_for_every_cni_version(string version)
    {
        var conf = _node.Config(version);
        var (pod, podLink) = _node.Pod();
        var add = _node.Add(conf, "ctr-1", pod, podName: "web");
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        var result = add.Json;
        Assert.Equal(version, (string?)result["cniVersion"]);
        var ip = Assert.Single(result["ips"]!.AsArray())!;
        Assert.Equal(version is "0.3.0" or "0.3.1" or "0.4.0", ip["version"] is not null);
        Assert.Equal(1, (int?)ip["interface"]);
        var address = IPAddress.Parse(((string)ip["address"]!).Split('/')[0]);
        Assert.EndsWith("/32", (string)ip["address"]!);
        var veth = HostVeth("default", "web");
        var interfaces = result["interfaces"]!.AsArray();
        Assert.Equal(veth, (string?)interfaces[0]!["name"]);
        Assert.Equal("eth0", (string?)interfaces[1]!["name"]);
        Assert.Equal(pod.Path, (string?)interfaces[1]!["sandbox"]);
        Assert.Equal(version == "1.1.0", interfaces[1]!["mtu"] is not null);

        // The kernel, read back over netlink: the container end...
        var eth0 = podLink.GetLink("eth0")!;
        Assert.True(eth0.IsUp);
        Assert.Equal(1500, eth0.Mtu);
        Assert.Equal((string?)interfaces[1]!["mac"], string.Join(':', eth0.Mac!.GetAddressBytes().Select(b => b.ToString("x2"))));
        var podAddress = Assert.Single(podLink.ListAddresses(eth0.Index, AddressFamily.InterNetwork));
        Assert.Equal((address, 32), (podAddress.Address, podAddress.PrefixLength));
        var podRoutes = podLink.ListRoutes(AddressFamily.InterNetwork);
        Assert.Contains(podRoutes, r => r.Destination.Equals(IPAddress.Parse("169.254.1.1")) && r.PrefixLength == 32 && r.Scope == RouteScope.Link && r.OutputInterface == eth0.Index);
        Assert.Contains(podRoutes, r => r.PrefixLength == 0 && IPAddress.Parse("169.254.1.1").Equals(r.Gateway) && r.OutputInterface == eth0.Index);
        // ...the host end, its sysctls and its route.
        var host = _node.HostNetlink.GetLink(veth)!;
        Assert.True(host.IsUp);
        Assert.Equal("ee:ee:ee:ee:ee:ee", string.Join(':', host.Mac!.GetAddressBytes().Select(b => b.ToString("x2"))));
        Assert.Empty(_node.HostNetlink.ListAddresses(host.Index, AddressFamily.InterNetwork));
        Assert.Contains(_node.HostNetlink.ListRoutes(AddressFamily.InterNetwork),
            r => r.Destination.Equals(address) && r.PrefixLength == 32 && r.Scope == RouteScope.Link && r.OutputInterface == host.Index);
        Assert.Equal(("1", "0", "1", "1"), (HostSysctl($"net/ipv4/conf/{veth}/proxy_arp"), HostSysctl($"net/ipv4/neigh/{veth}/proxy_delay"),
            HostSysctl($"net/ipv4/conf/{veth}/forwarding"), HostSysctl($"net/ipv4/conf/{veth}/route_localnet")));
        // ...and the datastore: the endpoint and the allocation under Calico's handle.
        var endpoint = ResourceCodec.Decode<WorkloadEndpoint>(PolicyKinds.WorkloadEndpoint,
            (await _node.Store.Store.GetAsync(ResourceCodec.KeyOf(PolicyKinds.WorkloadEndpoint, "node--1-k8s-web-eth0", "default")))!);
        Assert.Equal((veth, "ctr-1", "web", "k8s", $"{address}/32"), (endpoint.Spec.InterfaceName, endpoint.Spec.ContainerID, endpoint.Spec.Pod,
            endpoint.Spec.Orchestrator, Assert.Single(endpoint.Spec.IPNetworks!)));
        Assert.Equal(["kns.default"], endpoint.Spec.Profiles);
        Assert.Equal([address], await _node.Store.Ipam().IPsByHandleAsync($"{CniNode.Network}.ctr-1"));

        if (version is not ("0.3.0" or "0.3.1"))
        {
            var check = _node.Invoke("CHECK", CniNode.WithPrev(conf, result), "ctr-1", pod.Path, cniArgs: CniNode.KubeletArgs("default", "web"));
            Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        }

        var del = _node.Del(conf, "ctr-1", pod.Path, podName: "web", prevResult: result);
        Assert.True(del.ExitCode == 0, del.Stdout + del.Stderr);
        Assert.Null(podLink.GetLink("eth0"));
        Assert.Null(_node.HostNetlink.GetLink(veth));
        Assert.Empty(await _node.Store.Ipam().IPsByHandleAsync($"{CniNode.Network}.ctr-1"));
        Assert.Null(await _node.Store.Store.GetAsync(ResourceCodec.KeyOf(PolicyKinds.WorkloadEndpoint, "node--1-k8s-web-eth0", "default")));
        var again = _node.Del(conf, "ctr-1", pod.Path, podName: "web");
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        var noNetns = _node.Del(conf, "ctr-1", "", podName: "web");
        Assert.True(noNetns.ExitCode == 0, noNetns.Stdout + noNetns.Stderr);
    }

    [Fact]
    public void Two_pods_on_one_node_reach_each_other_and_the_node()
    {
        var conf = _node.Config();
        var (a, _) = _node.Pod();
        var (b, _) = _node.Pod();
        var addA = _node.Add(conf, "ctr-a", a, podName: "a");
        var addB = _node.Add(conf, "ctr-b", b, podName: "b");
        Assert.True(addA.ExitCode == 0 && addB.ExitCode == 0, addA.Stdout + addB.Stdout);
        var ipB = ((string)addB.Json["ips"]![0]!["address"]!).Split('/')[0];
        var toPod = TestNamespaces.Exec(a, "ping", "-c1", "-W2", ipB);
        Assert.True(toPod.ExitCode == 0, toPod.Stdout + toPod.Stderr);
        var toNode = TestNamespaces.Exec(b, "ping", "-c1", "-W2", CniNode.NodeAddress);
        Assert.True(toNode.ExitCode == 0, toNode.Stdout + toNode.Stderr);
    }

    [Fact]
    public async Task A_warm_add_costs_two_datastore_round_trips()
    {
        var conf = _node.Config();
        var (first, _) = _node.Pod();
        var (second, _) = _node.Pod();
        Assert.Equal(0, _node.Add(conf, "ctr-warm-1", first, podName: "p1").ExitCode);
        var add = _node.Add(conf, "ctr-warm-2", second, podName: "p2");
        Assert.Equal(0, add.ExitCode);
        var line = File.ReadLines(_node.LogFile).Last(l => l.Contains("ADD node--1-k8s-p2-eth0"));
        Assert.Contains("2 datastore round trips", line);
        Assert.Equal(0, (await new IpamReports(_node.Store.Store).CheckAsync()).ProblemCount);
    }

    [Fact]
    public async Task Dual_stack_add_gives_the_pod_an_ipv4_and_an_ipv6_address_with_their_routes()
    {
        await _node.Store.ApplyAsync(Yaml.Pool("v6-pool", "fd00:65::/112", blockSize: 122));
        var conf = _node.Config(change: c => c["ipam"]!["assign_ipv6"] = "true");
        var (pod, podLink) = _node.Pod();
        var add = _node.Add(conf, "ctr-ds", pod, podName: "ds");
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        var ips = add.Json["ips"]!.AsArray().Select(i => (string)i!["address"]!).ToList();
        Assert.Equal(2, ips.Count);
        var v6 = IPAddress.Parse(Assert.Single(ips, i => i.EndsWith("/128")).Split('/')[0]);
        var eth0 = podLink.GetLink("eth0")!;
        Assert.Contains(podLink.ListAddresses(eth0.Index, AddressFamily.InterNetworkV6), a => a.Address.Equals(v6) && a.PrefixLength == 128);
        Assert.Contains(podLink.ListRoutes(AddressFamily.InterNetworkV6),
            r => r.PrefixLength == 0 && IPAddress.Parse("fe80::ecee:eeff:feee:eeee").Equals(r.Gateway) && r.OutputInterface == eth0.Index);
        var veth = HostVeth("default", "ds");
        var host = _node.HostNetlink.GetLink(veth)!;
        Assert.Contains(_node.HostNetlink.ListRoutes(AddressFamily.InterNetworkV6), r => r.Destination.Equals(v6) && r.PrefixLength == 128 && r.OutputInterface == host.Index);
        Assert.Equal("1", HostSysctl($"net/ipv6/conf/{veth}/proxy_ndp"));
        var ping = TestNamespaces.Exec(pod, "ping", "-6", "-c1", "-W3", "fe80::ecee:eeff:feee:eeee%eth0");
        Assert.True(ping.ExitCode == 0, ping.Stdout + ping.Stderr);
    }

    [Fact]
    public async Task Gc_releases_exactly_the_attachments_not_listed()
    {
        var conf = _node.Config("1.1.0");
        foreach (var id in new[] { "keep-1", "gone", "keep-2" })
        {
            var (pod, _) = _node.Pod();
            Assert.Equal(0, _node.Add(conf, id, pod, podName: id).ExitCode);
        }
        var gc = (JsonObject)conf.DeepClone();
        gc["cni.dev/valid-attachments"] = new JsonArray(
            new JsonObject { ["containerID"] = "keep-1", ["ifname"] = "eth0" }, new JsonObject { ["containerID"] = "keep-2", ["ifname"] = "eth0" });
        var response = _node.Invoke("GC", gc.ToJsonString());
        Assert.True(response.ExitCode == 0, response.Stdout + response.Stderr);
        var ipam = _node.Store.Ipam();
        Assert.Single(await ipam.IPsByHandleAsync($"{CniNode.Network}.keep-1"));
        Assert.Single(await ipam.IPsByHandleAsync($"{CniNode.Network}.keep-2"));
        Assert.Empty(await ipam.IPsByHandleAsync($"{CniNode.Network}.gone"));
    }

    [Fact]
    public void Status_is_ready_with_a_store_and_50_without_one()
    {
        Assert.Equal(0, _node.Invoke("STATUS", _node.Config("1.1.0").ToJsonString()).ExitCode);
        var broken = _node.Config("1.1.0", c => c["sqlite_path"] = "/proc/cninet-no-such-dir/store.db");
        var status = _node.Invoke("STATUS", broken.ToJsonString());
        Assert.Equal(50, status.ErrorCode);
        Assert.Equal(50, _node.Invoke("STATUS", broken.ToJsonString(), plugin: "calico-ipam").ErrorCode);
    }

    [Fact]
    public async Task Host_local_is_executed_from_cni_path_as_the_ipam_delegate_and_released_on_del()
    {
        var dataDir = Path.Combine(_node.Store.Directory, "host-local");
        var conf = _node.Config(change: c => c["ipam"] = new JsonObject
        {
            ["type"] = "host-local", ["subnet"] = "10.90.0.0/24", ["dataDir"] = dataDir,
        });
        var (pod, podLink) = _node.Pod();
        var add = _node.Add(conf, "ctr-hl", pod, podName: "hl");
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        var address = IPAddress.Parse(((string)add.Json["ips"]![0]!["address"]!).Split('/')[0]);
        Assert.StartsWith("10.90.0.", address.ToString());
        Assert.Contains(podLink.ListAddresses(podLink.GetLink("eth0")!.Index, AddressFamily.InterNetwork), a => a.Address.Equals(address) && a.PrefixLength == 32);
        // host-local's own record of the reservation, and none in our IPAM.
        Assert.True(File.Exists(Path.Combine(dataDir, CniNode.Network, address.ToString())));
        Assert.Empty(await _node.Store.Ipam().IPsByHandleAsync($"{CniNode.Network}.ctr-hl"));

        var del = _node.Del(conf, "ctr-hl", pod.Path, podName: "hl", prevResult: add.Json);
        Assert.True(del.ExitCode == 0, del.Stdout + del.Stderr);
        Assert.False(File.Exists(Path.Combine(dataDir, CniNode.Network, address.ToString())));
    }

    [Fact]
    public async Task Del_of_an_old_sandbox_keeps_the_endpoint_of_the_pods_new_sandbox()
    {
        var conf = _node.Config();
        var (old, _) = _node.Pod();
        var (fresh, _) = _node.Pod();
        Assert.Equal(0, _node.Add(conf, "ctr-old", old, podName: "restarted").ExitCode);
        // kubelet recreates the sandbox before the old one's DEL arrives: the endpoint now belongs to ctr-new.
        var del = _node.Del(conf, "ctr-old", old.Path, podName: "restarted");
        Assert.True(del.ExitCode == 0, del.Stdout + del.Stderr);
        var add = _node.Add(conf, "ctr-new", fresh, podName: "restarted");
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        var late = _node.Del(conf, "ctr-old", "", podName: "restarted");
        Assert.True(late.ExitCode == 0, late.Stdout + late.Stderr);

        var key = ResourceCodec.KeyOf(PolicyKinds.WorkloadEndpoint, "node--1-k8s-restarted-eth0", "default");
        var endpoint = ResourceCodec.Decode<WorkloadEndpoint>(PolicyKinds.WorkloadEndpoint, (await _node.Store.Store.GetAsync(key))!);
        Assert.Equal("ctr-new", endpoint.Spec.ContainerID);
        Assert.Single(await _node.Store.Ipam().IPsByHandleAsync($"{CniNode.Network}.ctr-new"));
        Assert.NotNull(_node.HostNetlink.GetLink(HostVeth("default", "restarted")));
    }

    [Fact]
    public void Version_reports_every_supported_spec_version()
    {
        var response = _node.Invoke("VERSION", "{\"cniVersion\":\"1.0.0\"}", env: new Dictionary<string, string?> { ["CNI_NETNS"] = "dummy" });
        Assert.Equal(0, response.ExitCode);
        Assert.Equal("1.0.0", (string?)response.Json["cniVersion"]);
        Assert.Equal(["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"], response.Json["supportedVersions"]!.AsArray().Select(v => (string)v!));
    }
}
