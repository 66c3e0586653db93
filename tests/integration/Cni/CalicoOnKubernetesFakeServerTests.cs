using System.Net;
using System.Text.Json.Nodes;
using CniNet.Model.Net;
using Xunit;

namespace CniNet.Tests.Integration.Cni;

/// <summary>
/// The plugins on the Kubernetes datastore (<c>datastore_type: kubernetes</c>, <c>kubernetes.kubeconfig</c>) against the
/// in-process fake API server, since no real API server can run here. The fake listens on the node namespace's
/// loopback, where the plugins run. What Calico's plugin leaves in the API is checked there: the pod's
/// <c>cni.projectcalico.org/podIP</c>, <c>podIPs</c> and <c>containerID</c> annotations, and the IPAM objects.
/// </summary>
public sealed class CalicoOnKubernetesFakeServerTests : IAsyncLifetime
{
    private const string Pool = "10.74.0.0/16";
    private const string Token = "cni-token";
    private readonly CniNode _node = new();
    private FakeKubeApiServer _server = null!;
    private string _kubeconfig = "";

    public Task InitializeAsync()
    {
        _server = new FakeKubeApiServer(Token, _node.Host.Run(() => FakeKubeApiServer.Loopback()));
        _kubeconfig = _server.WriteKubeconfig(_node.Store.Directory, Token);
        _server.Seed("/apis/crd.projectcalico.org/v1/ippools", new JsonObject
        {
            ["apiVersion"] = "crd.projectcalico.org/v1", ["kind"] = "IPPool", ["metadata"] = new JsonObject { ["name"] = "kdd-pool" },
            ["spec"] = new JsonObject { ["cidr"] = Pool, ["blockSize"] = 26, ["nodeSelector"] = "all()" },
        });
        _server.Seed("/api/v1/namespaces", new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "shop", ["labels"] = new JsonObject { ["team"] = "a" } },
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _node.DisposeAsync();
    }

    private void SeedPod(string name) => _server.Seed("/api/v1/namespaces/shop/pods", new JsonObject
    {
        ["apiVersion"] = "v1", ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = "web" } },
        ["spec"] = new JsonObject { ["nodeName"] = CniNode.NodeName, ["serviceAccountName"] = "shop-sa", ["containers"] = new JsonArray() },
    });

    private JsonObject Config(string kubeconfig) => _node.Config(change: c =>
    {
        c.Remove("sqlite_path");
        c["datastore_type"] = "kubernetes";
        c["kubernetes"] = new JsonObject { ["kubeconfig"] = kubeconfig };
    });

    private JsonObject? Annotations(string pod) => _server.Get($"/api/v1/namespaces/shop/pods/{pod}")!["metadata"]!["annotations"] as JsonObject;

    [Fact]
    public void Add_annotates_the_pod_with_its_address_and_container_and_del_removes_them_and_releases_the_address()
    {
        SeedPod("web-1");
        var conf = Config(_kubeconfig);
        var (pod, _) = _node.Pod();
        var add = _node.Add(conf, "kdd-container-1", pod, ns: "shop", podName: "web-1");
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        var address = IPAddress.Parse(((string)add.Json["ips"]![0]!["address"]!).Split('/')[0]);
        Assert.True(Cidr.Parse(Pool).Contains(address), address.ToString());

        var annotations = Annotations("web-1")!;
        Assert.Equal($"{address}/32", (string?)annotations["cni.projectcalico.org/podIP"]);
        Assert.Equal($"{address}/32", (string?)annotations["cni.projectcalico.org/podIPs"]);
        Assert.Equal("kdd-container-1", (string?)annotations["cni.projectcalico.org/containerID"]);
        var handle = _server.Get($"/apis/crd.projectcalico.org/v1/ipamhandles/{CniNode.Network}.kdd-container-1")!;
        Assert.Equal(1, (int?)handle["spec"]!["block"]![Cidr.Containing(address, 26).ToString()]);
        var block = _server.Get($"/apis/crd.projectcalico.org/v1/ipamblocks/{Cidr.Containing(address, 26).ToResourceName()}")!;
        Assert.Equal($"host:{CniNode.NodeName}", (string?)block["spec"]!["affinity"]);
        Assert.Contains(block["spec"]!["attributes"]!.AsArray(), a => (string?)a!["secondary"]?["pod"] == "web-1" && (string?)a["secondary"]?["namespace"] == "shop");

        var del = _node.Del(conf, "kdd-container-1", pod.Path, ns: "shop", podName: "web-1");
        Assert.True(del.ExitCode == 0, del.Stdout + del.Stderr);
        var after = Annotations("web-1");
        Assert.True(after is null || (after["cni.projectcalico.org/podIP"] is null && after["cni.projectcalico.org/containerID"] is null));
        Assert.Null(_server.Get($"/apis/crd.projectcalico.org/v1/ipamhandles/{CniNode.Network}.kdd-container-1"));
        var released = _server.Get($"/apis/crd.projectcalico.org/v1/ipamblocks/{Cidr.Containing(address, 26).ToResourceName()}")!;
        Assert.All(released["spec"]!["allocations"]!.AsArray(), a => Assert.Null(a));
        Assert.Empty(_node.HostLinks());
    }

    [Fact]
    public void A_late_del_from_an_old_sandbox_keeps_the_new_sandboxs_annotations()
    {
        SeedPod("web-2");
        var conf = Config(_kubeconfig);
        var (old, _) = _node.Pod();
        Assert.Equal(0, _node.Add(conf, "old-sandbox", old, ns: "shop", podName: "web-2").ExitCode);
        var (fresh, _) = _node.Pod();
        var add = _node.Add(conf, "new-sandbox", fresh, ns: "shop", podName: "web-2");
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        Assert.Equal(0, _node.Del(conf, "old-sandbox", "", ns: "shop", podName: "web-2").ExitCode);
        Assert.Equal("new-sandbox", (string?)Annotations("web-2")!["cni.projectcalico.org/containerID"]);
        Assert.NotNull(_server.Get($"/apis/crd.projectcalico.org/v1/ipamhandles/{CniNode.Network}.new-sandbox"));
        Assert.Null(_server.Get($"/apis/crd.projectcalico.org/v1/ipamhandles/{CniNode.Network}.old-sandbox"));
        Assert.Equal(0, _node.Del(conf, "new-sandbox", fresh.Path, ns: "shop", podName: "web-2").ExitCode);
    }

    [Fact]
    public void An_unreachable_api_server_is_try_again_later_and_a_wrong_token_a_datastore_error_and_nothing_is_left()
    {
        SeedPod("web-3");
        var (pod, _) = _node.Pod();
        var dead = Path.Combine(_node.Store.Directory, "dead-kubeconfig");
        File.WriteAllText(dead, File.ReadAllText(_kubeconfig).Replace(_server.Endpoint.ToString().TrimEnd('/'), "http://127.0.0.1:9"));
        var unreachable = _node.Add(Config(dead), "kdd-dead", pod, ns: "shop", podName: "web-3");
        Assert.NotEqual(0, unreachable.ExitCode);
        Assert.True(unreachable.ErrorCode == 11, unreachable.Stdout);

        var wrongToken = _server.WriteKubeconfig(_node.Store.Directory, "not-the-token");
        var refused = _node.Add(Config(wrongToken), "kdd-refused", pod, ns: "shop", podName: "web-3");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.True(refused.ErrorCode == 101, refused.Stdout);
        Assert.Contains("401", refused.Stdout);
        Assert.Empty(_node.HostLinks());
        Assert.Null(Annotations("web-3"));
    }
}
