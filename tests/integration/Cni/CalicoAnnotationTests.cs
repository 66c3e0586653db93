using System.Net;
using Xunit;

namespace CniNet.Tests.Integration.Cni;

/// <summary>Calico's pod and namespace annotations (with <c>policy.type: k8s</c>), read from the store's Pod and Namespace.</summary>
public sealed class CalicoAnnotationTests : IAsyncLifetime
{
    private readonly CniNode _node = new();

    public async Task InitializeAsync()
    {
        await _node.Store.ApplyAsync(Yaml.Pool("ns-pool", "10.67.0.0/16") + Yaml.Pool("pod-pool", "10.68.0.0/16"));
        await _node.Store.ApplyAsync("""
            apiVersion: v1
            kind: Namespace
            metadata:
              name: team
              annotations:
                cni.projectcalico.org/ipv4pools: '["ns-pool"]'
            """);
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private Task PodAsync(string name, string annotation, string value) => _node.Store.ApplyAsync($"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
          namespace: team
          annotations:
            cni.projectcalico.org/{annotation}: '{value}'
        spec:
          nodeName: {CniNode.NodeName}
        """);

    private CniNode.Response Add(string pod, Action<System.Text.Json.Nodes.JsonObject>? change = null)
    {
        var (ns, _) = _node.Pod();
        return _node.Add(_node.Config(change: change), $"ctr-{pod}", ns, "team", pod);
    }

    private static IPAddress AddressOf(CniNode.Response add) => IPAddress.Parse(((string)add.Json["ips"]![0]!["address"]!).Split('/')[0]);

    [Fact]
    public void The_namespace_pool_annotation_picks_the_pool()
    {
        var add = Add("plain");
        Assert.True(add.ExitCode == 0, add.Stdout);
        Assert.StartsWith("10.67.", AddressOf(add).ToString());
    }

    [Fact]
    public async Task A_pod_pool_annotation_overrides_the_namespace()
    {
        await PodAsync("special", "ipv4pools", "[\"10.68.0.0/16\"]");
        var add = Add("special");
        Assert.True(add.ExitCode == 0, add.Stdout);
        Assert.StartsWith("10.68.", AddressOf(add).ToString());
    }

    [Fact]
    public async Task IpAddrs_assigns_every_listed_address_through_ipam()
    {
        await PodAsync("fixed", "ipAddrs", "[\"10.65.3.7\", \"10.65.3.9\"]");
        var add = Add("fixed");
        Assert.True(add.ExitCode == 0, add.Stdout);
        Assert.Equal(["10.65.3.7/32", "10.65.3.9/32"], add.Json["ips"]!.AsArray().Select(i => (string)i!["address"]!));
        Assert.Equal([IPAddress.Parse("10.65.3.7"), IPAddress.Parse("10.65.3.9")],
            (await _node.Store.Ipam().IPsByHandleAsync($"{CniNode.Network}.ctr-fixed")).OrderBy(a => a.ToString()));
    }

    [Fact]
    public async Task IpAddrsNoIpam_needs_the_feature_flag_and_then_bypasses_ipam()
    {
        await PodAsync("noipam", "ipAddrsNoIpam", "[\"10.99.0.5\"]");
        var refused = Add("noipam");
        Assert.Equal(7, refused.ErrorCode);
        Assert.Contains("ip_addrs_no_ipam", (string)refused.Json["msg"]!);
        Assert.Empty(_node.HostLinks());

        var add = Add("noipam", c => c["feature_control"] = new System.Text.Json.Nodes.JsonObject { ["ip_addrs_no_ipam"] = true });
        Assert.True(add.ExitCode == 0, add.Stdout);
        Assert.Equal(IPAddress.Parse("10.99.0.5"), AddressOf(add));
        Assert.Empty(await _node.Store.Ipam().IPsByHandleAsync($"{CniNode.Network}.ctr-noipam"));
    }

    [Fact]
    public async Task IpAddrs_and_ipAddrsNoIpam_together_are_refused()
    {
        await _node.Store.ApplyAsync($"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: both
              namespace: team
              annotations:
                cni.projectcalico.org/ipAddrs: '["10.65.3.8"]'
                cni.projectcalico.org/ipAddrsNoIpam: '["10.99.0.6"]'
            """);
        var add = Add("both", c => c["feature_control"] = new System.Text.Json.Nodes.JsonObject { ["ip_addrs_no_ipam"] = true });
        Assert.Equal(7, add.ErrorCode);
        Assert.Contains("can't have both", (string)add.Json["msg"]!);
        Assert.Empty(_node.HostLinks());
        Assert.Empty(await _node.Store.Ipam().IPsByHandleAsync($"{CniNode.Network}.ctr-both"));
    }
}
