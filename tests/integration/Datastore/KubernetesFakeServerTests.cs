using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using CniNet.Datastore;
using CniNet.Datastore.Kubernetes;
using CniNet.IpamCore;
using CniNet.Model.Documents;
using CniNet.Model.Net;
using CniNet.Model.Network;
using CniNet.Model.Policy;
using CniNet.Model.Resources;
using CniNet.Tests.Integration.Cli;
using Xunit;

namespace CniNet.Tests.Integration.Datastore;

/// <summary>
/// What the Kubernetes datastore does beyond the conformance suite, against the in-process fake API server (no real
/// API server can run here): authentication, retries, Calico's CRD paths and names, unknown fields, the two-step IPAM
/// delete, paging, TLS from a kubeconfig, and IPAM under contention without transactions.
/// </summary>
public sealed class KubernetesFakeServerTests : IAsyncLifetime
{
    private const string Token = "fake-server-token";
    private const string Crd = "/apis/crd.projectcalico.org/v1";
    private readonly FakeKubeApiServer _server = new(Token);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("cninet-kdd-");
    private readonly List<IDatastore> _opened = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _opened) await store.DisposeAsync();
        await _server.DisposeAsync();
        _dir.Delete(recursive: true);
    }

    private IDatastore Open(string? token = Token)
    {
        var store = new DatastoreConfig(DatastoreConfig.Kubernetes, "") { Kubeconfig = _server.WriteKubeconfig(_dir.FullName, token) }.Open();
        _opened.Add(store);
        return store;
    }

    [Fact]
    public async Task A_kubeconfig_with_a_wrong_token_gets_a_clear_401_error()
    {
        var store = Open(token: "not-the-token");
        var e = await Assert.ThrowsAsync<DatastoreException>(() => store.GetAsync(ResourceKey.Cluster("IPPool", "p")));
        Assert.Equal(DatastoreErrorCode.Unauthorized, e.Code);
        Assert.Contains("401 Unauthorized", e.Message);
        Assert.Contains("kubeconfig", e.Message);
    }

    [Fact]
    public async Task A_kubeconfig_without_a_current_context_is_refused_with_the_reason()
    {
        var path = Path.Combine(_dir.FullName, "broken");
        await File.WriteAllTextAsync(path, "apiVersion: v1\nkind: Config\nclusters: []\n");
        var e = Assert.Throws<DatastoreException>(() => new DatastoreConfig(DatastoreConfig.Kubernetes, "") { Kubeconfig = path }.Open());
        Assert.Contains("current-context is not set", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public async Task Answers_429_and_500_are_retried_until_the_server_answers()
    {
        var store = Open();
        await store.CreateAsync(ResourceKey.Cluster("IPPool", "p"), Encoding.UTF8.GetBytes("{\"spec\":{\"cidr\":\"10.0.0.0/16\"}}"));
        _server.FailNext(429, 2);
        Assert.NotNull(await store.GetAsync(ResourceKey.Cluster("IPPool", "p")));
        _server.FailNext(500, 3);
        Assert.NotNull(await store.GetAsync(ResourceKey.Cluster("IPPool", "p")));
        _server.FailNext(503, 10);
        var e = await Assert.ThrowsAsync<DatastoreException>(() => store.GetAsync(ResourceKey.Cluster("IPPool", "p")));
        Assert.Equal(DatastoreErrorCode.Unavailable, e.Code);
        Assert.Contains("HTTP 503", e.Message);
    }

    [Fact]
    public async Task Ipam_objects_are_crd_objects_at_Calicos_paths_with_Calicos_names()
    {
        var store = Open();
        await TestStore.ApplyAsync(store, Yaml.Pool("default-pool", "10.20.0.0/16"));
        var ipam = new IpamClient(store);
        var (v4, _) = await ipam.AutoAssignAsync(new AutoAssignArgs { Hostname = "node-1", HandleId = "K8s-Pod-Network.ABC123", Num4 = 1 });
        var cidr = new Cidr(Assert.Single(v4.IPs).Address, 26, false);
        var name = cidr.ToResourceName();

        var pool = _server.Get($"{Crd}/ippools/default-pool")!;
        Assert.Equal(("crd.projectcalico.org/v1", "IPPool", "10.20.0.0/16"), ((string?)pool["apiVersion"], (string?)pool["kind"], (string?)pool["spec"]!["cidr"]));
        var block = _server.Get($"{Crd}/ipamblocks/{name}")!;
        Assert.Equal((cidr.ToString(), "host:node-1"), ((string?)block["spec"]!["cidr"], (string?)block["spec"]!["affinity"]));
        var affinity = _server.Get($"{Crd}/blockaffinities/node-1-{name}")!;
        Assert.Equal(("confirmed", "node-1"), ((string?)affinity["spec"]!["state"], (string?)affinity["spec"]!["node"]));
        var handle = _server.Get($"{Crd}/ipamhandles/k8s-pod-network.abc123")!;
        Assert.Equal("K8s-Pod-Network.ABC123", (string?)handle["spec"]!["handleID"]);
        Assert.Equal(1, (int?)handle["spec"]!["block"]![cidr.ToString()]);
    }

    [Fact]
    public async Task Fields_this_model_does_not_know_survive_a_read_modify_write()
    {
        var store = Open();
        _server.Seed($"{Crd}/ippools", new JsonObject
        {
            ["apiVersion"] = "crd.projectcalico.org/v1", ["kind"] = "IPPool",
            ["metadata"] = new JsonObject { ["name"] = "future", ["annotations"] = new JsonObject { ["team"] = "net" } },
            ["spec"] = new JsonObject { ["cidr"] = "10.30.0.0/16", ["blockSize"] = 26, ["futureKnob"] = new JsonObject { ["level"] = 3 } },
            ["status"] = new JsonObject { ["observed"] = true },
        });
        var client = new ResourceClient(store);
        var pool = (IPPool)(await client.GetAsync(ResourceKinds.IPPool, "future"))!;
        pool.Spec.Disabled = true;
        await client.ApplyAsync(pool);
        var stored = _server.Get($"{Crd}/ippools/future")!;
        Assert.True((bool?)stored["spec"]!["disabled"]);
        Assert.Equal(3, (int?)stored["spec"]!["futureKnob"]!["level"]);
        Assert.True((bool?)stored["status"]!["observed"]);
        Assert.Equal("net", (string?)stored["metadata"]!["annotations"]!["team"]);
    }

    [Fact]
    public async Task Ipam_objects_are_deleted_in_two_steps_and_an_object_marked_deleted_is_gone_for_readers()
    {
        var store = Open();
        var key = ResourceKey.Cluster("IPAMHandle", "h1");
        var created = await store.CreateAsync(key, Encoding.UTF8.GetBytes("{\"spec\":{\"handleID\":\"h1\",\"block\":{}}}"));
        var patchesBefore = _server.Requests.GetValueOrDefault("PATCH");
        await store.DeleteAsync(key, created.Revision, created.Uid);
        Assert.Equal(patchesBefore + 1, _server.Requests["PATCH"]);
        Assert.Null(_server.Get($"{Crd}/ipamhandles/h1"));

        // Another Calico component marked this one and crashed before its delete: readers finish the job.
        _server.Seed($"{Crd}/ipamhandles", new JsonObject
        {
            ["apiVersion"] = "crd.projectcalico.org/v1", ["kind"] = "IPAMHandle", ["metadata"] = new JsonObject { ["name"] = "h2" },
            ["spec"] = new JsonObject { ["handleID"] = "h2", ["block"] = new JsonObject(), ["deleted"] = true },
        });
        Assert.Empty((await store.ListAsync("IPAMHandle")).Items);
        Assert.Null(await store.GetAsync(ResourceKey.Cluster("IPAMHandle", "h2")));
        Assert.Null(_server.Get($"{Crd}/ipamhandles/h2"));
        Assert.NotNull(await store.CreateAsync(ResourceKey.Cluster("IPAMHandle", "h2"), Encoding.UTF8.GetBytes("{\"spec\":{\"handleID\":\"h2\"}}")));
    }

    [Fact]
    public async Task A_stale_revision_on_the_two_step_delete_is_a_conflict_and_leaves_the_object_unmarked()
    {
        var store = Open();
        var key = ResourceKey.Cluster("IPAMBlock", "10-0-0-0-26");
        var created = await store.CreateAsync(key, Encoding.UTF8.GetBytes("{\"spec\":{\"cidr\":\"10.0.0.0/26\"}}"));
        await store.UpdateAsync(key, Encoding.UTF8.GetBytes("{\"spec\":{\"cidr\":\"10.0.0.0/26\",\"sequenceNumber\":2}}"), created.Revision);
        var e = await Assert.ThrowsAsync<DatastoreException>(() => store.DeleteAsync(key, created.Revision));
        Assert.Equal(DatastoreErrorCode.Conflict, e.Code);
        Assert.Null(_server.Get($"{Crd}/ipamblocks/10-0-0-0-26")!["spec"]!["deleted"]);
    }

    [Fact]
    public async Task A_list_longer_than_a_page_is_read_page_by_page_in_name_order()
    {
        var store = Open();
        var names = Enumerable.Range(0, 1203).Select(i => $"set-{i:D4}").ToList();
        await Task.WhenAll(names.Chunk(100).Select(async chunk =>
        {
            foreach (var name in chunk) await store.CreateAsync(ResourceKey.Cluster("GlobalNetworkSet", name), "{\"spec\":{}}"u8.ToArray());
        }));
        var before = store.RoundTrips;
        var (items, _) = await store.ListAsync("GlobalNetworkSet");
        Assert.Equal(names, items.Select(e => e.Key.Name));
        Assert.Equal(before + 3, store.RoundTrips);
    }

    [Fact]
    public async Task Label_selected_lists_are_filtered_by_the_API_server_when_Kubernetes_can_express_the_selector()
    {
        var store = Open();
        foreach (var (name, app) in new[] { ("a", "web"), ("b", "db"), ("c", "web-canary"), ("d", (string?)null) })
            await store.CreateAsync(ResourceKey.Cluster("GlobalNetworkSet", name), "{\"spec\":{}}"u8.ToArray(),
                app is null ? null : new Dictionary<string, string> { ["app"] = app });
        async Task<List<string>> Names(string selector) =>
            (await store.ListAsync("GlobalNetworkSet", labels: Model.Selectors.Selector.Parse(selector))).Items.Select(e => e.Key.Name).ToList();

        Assert.Equal(["a"], await Names("app == 'web'"));
        Assert.Equal(["b", "c", "d"], await Names("app != 'web'"));
        Assert.Equal(["a", "b"], await Names("app in {'web', 'db'}"));
        Assert.Equal(["d"], await Names("!has(app)"));
        Assert.Equal(["app=web", "app!=web", "app in (db,web)", "!app"], _server.LabelSelectors);
        // Beyond Kubernetes' grammar: the whole kind is listed and the selector applied here.
        Assert.Equal(["a", "c"], await Names("app starts with 'web'"));
        Assert.Equal(["a", "b", "c"], await Names("app == 'db' || app contains 'web'"));
        Assert.Equal(4, _server.LabelSelectors.Count);
    }

    [Fact]
    public async Task Tls_with_the_kubeconfigs_CA_and_client_certificate_data()
    {
        using var pki = new TestPki();
        var serverCert = X509Certificate2.CreateFromPemFile(pki.ServerCertFile, pki.ServerKeyFile);
        var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(pki.CaFile));
        await using var tls = new FakeKubeApiServer(listener: FakeKubeApiServer.Loopback(), tls: (serverCert, ca));
        var caPem = await File.ReadAllTextAsync(pki.CaFile);
        var good = tls.WriteKubeconfig(_dir.FullName, caPem: caPem,
            clientCertPem: await File.ReadAllTextAsync(pki.ClientCertFile), clientKeyPem: await File.ReadAllTextAsync(pki.ClientKeyFile));
        await using (var store = new DatastoreConfig(DatastoreConfig.Kubernetes, "") { Kubeconfig = good }.Open())
            Assert.NotNull(await store.CreateAsync(ResourceKey.Cluster("IPPool", "p"), "{\"spec\":{}}"u8.ToArray()));
        var rogue = tls.WriteKubeconfig(_dir.FullName, caPem: caPem,
            clientCertPem: await File.ReadAllTextAsync(pki.RogueClientCertFile), clientKeyPem: await File.ReadAllTextAsync(pki.RogueClientKeyFile));
        await using (var store = new DatastoreConfig(DatastoreConfig.Kubernetes, "") { Kubeconfig = rogue }.Open())
        {
            var e = await Assert.ThrowsAsync<DatastoreException>(() => store.GetAsync(ResourceKey.Cluster("IPPool", "p")));
            Assert.Equal(DatastoreErrorCode.Unavailable, e.Code);
        }
    }

    [Fact]
    public async Task In_cluster_the_service_accounts_token_and_CA_reach_the_API_at_KUBERNETES_SERVICE_HOST()
    {
        using var pki = new TestPki();
        var serverCert = X509Certificate2.CreateFromPemFile(pki.ServerCertFile, pki.ServerKeyFile);
        await using var api = new FakeKubeApiServer(token: "sa-token", tls: (serverCert, null));
        var account = Directory.CreateDirectory(Path.Combine(_dir.FullName, "serviceaccount")).FullName;
        File.Copy(pki.CaFile, Path.Combine(account, "ca.crt"));
        await File.WriteAllTextAsync(Path.Combine(account, "token"), "sa-token\n");
        Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_HOST", "127.0.0.1");
        Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_PORT", api.Endpoint.Port.ToString());
        try
        {
            await using var store = KubernetesDatastore.Open(KubeConfig.InCluster(account), "cali");
            Assert.NotNull(await store.CreateAsync(ResourceKey.Cluster("IPPool", "p"), "{\"spec\":{}}"u8.ToArray()));
            // kubelet rotates projected tokens: the file is read again for each request.
            await File.WriteAllTextAsync(Path.Combine(account, "token"), "rotated");
            var e = await Assert.ThrowsAsync<DatastoreException>(() => store.GetAsync(ResourceKey.Cluster("IPPool", "p")));
            Assert.Equal(DatastoreErrorCode.Unauthorized, e.Code);
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_HOST", null);
            Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_PORT", null);
        }
    }

    [Fact]
    public async Task Ten_nodes_allocating_at_once_without_transactions_get_distinct_addresses_and_ipam_check_is_clean()
    {
        var store = Open();
        await TestStore.ApplyAsync(store, Yaml.Pool("pool", "10.40.0.0/22"));
        var clients = Enumerable.Range(0, 10).Select(_ => new IpamClient(Open())).ToList();
        var results = await Task.WhenAll(clients.Select((ipam, n) => Task.Run(async () =>
        {
            var got = new List<string>();
            for (var p = 0; p < 10; p++)
            {
                var (v4, _) = await ipam.AutoAssignAsync(new AutoAssignArgs { Hostname = $"node-{n % 5}", HandleId = $"net.n{n}-p{p}", Num4 = 1 });
                got.Add(Assert.Single(v4.IPs).Address.ToString());
            }
            return got;
        })));
        var all = results.SelectMany(r => r).ToList();
        Assert.Equal(100, all.Distinct().Count());
        var report = await new IpamReports(store).CheckAsync();
        Assert.Equal(0, report.ProblemCount);
        foreach (var (n, p) in Enumerable.Range(0, 10).SelectMany(n => Enumerable.Range(0, 10).Select(p => (n, p))))
            Assert.True(await clients[n].ReleaseByHandleAsync($"net.n{n}-p{p}"));
        Assert.Equal(0, (await new IpamReports(store).CheckAsync()).ProblemCount);
        Assert.Empty((await store.ListAsync("IPAMHandle")).Items);
    }

    [Fact]
    public async Task Every_kind_the_store_keeps_as_its_own_object_has_a_crd_in_deploy_at_the_path_the_store_writes()
    {
        var crds = YamlJson.Documents(await File.ReadAllTextAsync(Path.Combine(OutBin.RepositoryRoot, "deploy", "crds.yaml")))
            .OfType<JsonObject>().ToDictionary(c => (string)c["spec"]!["names"]!["kind"]!);
        var store = Open();
        // Pods, namespaces, nodes and Kubernetes NetworkPolicies are the cluster's own; endpoints and Calico nodes are
        // views of pods and nodes.
        var derived = new[] { ResourceKinds.Node, ResourceKinds.IPAMConfiguration, PolicyKinds.WorkloadEndpoint };
        foreach (var kind in ResourceKinds.All.Where(k => !k.IsKubernetes && !derived.Contains(k)))
        {
            Assert.True(crds.TryGetValue(kind.StoreKind, out var crd), $"deploy/crds.yaml has no CRD for {kind.StoreKind}");
            Assert.Equal("crd.projectcalico.org", (string?)crd["spec"]!["group"]);
            Assert.Equal(kind.Namespaced ? "Namespaced" : "Cluster", (string?)crd["spec"]!["scope"]);
            var plural = (string)crd["spec"]!["names"]!["plural"]!;
            Assert.Equal($"{plural}.crd.projectcalico.org", (string?)crd["metadata"]!["name"]);
            await store.CreateAsync(ResourceCodec.KeyOf(kind, "probe", "default"), "{\"spec\":{}}"u8.ToArray());
            var path = kind.Namespaced ? $"{Crd}/namespaces/default/{plural}/probe" : $"{Crd}/{plural}/probe";
            Assert.True(_server.Get(path) is not null, $"{kind.StoreKind} was not written to {path}");
        }
    }

    [Fact]
    public async Task Cninetctl_applies_and_reads_resources_through_KUBECONFIG()
    {
        var kubeconfig = _server.WriteKubeconfig(_dir.FullName, Token);
        var file = Path.Combine(_dir.FullName, "pool.yaml");
        await File.WriteAllTextAsync(file, Yaml.Pool("ctl-pool", "10.50.0.0/16"));
        var apply = await Cninetctl.RunOnKubernetesAsync(kubeconfig, "", "apply", "-f", file);
        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
        Assert.Equal("10.50.0.0/16", (string?)_server.Get($"{Crd}/ippools/ctl-pool")!["spec"]!["cidr"]);
        var get = await Cninetctl.RunOnKubernetesAsync(kubeconfig, "", "get", "ippools");
        Assert.Contains("ctl-pool", get.Stdout);
        Assert.Contains("10.50.0.0/16", get.Stdout);
    }
}
