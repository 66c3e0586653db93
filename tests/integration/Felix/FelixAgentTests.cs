using System.Net;
using System.Net.Sockets;
using CniNet.Tests.Integration.Bgp;
using CniNet.Tests.Integration.Cli;
using Xunit;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// Felix hosted in the published <c>cninet-node --felix --no-cni</c>, driven only by the datastore: pods wired in a
/// node namespace as Calico's CNI wires them, their WorkloadEndpoints and namespaces in a SQLite store, policies
/// applied with <c>cninetctl apply</c> or the typed client (service accounts too), and real TCP between the pods deciding each step; the
/// agent's health and Prometheus endpoints checked against what the test created.
/// </summary>
public sealed class FelixAgentTests
{
    private const string NodeName = FelixAgentNode.NodeName;
    private static readonly TimeSpan Probe = CorpusTraffic.ConnectTimeout;

    [Fact]
    public async Task Store_changes_reach_the_kernel_through_the_agent_and_its_metrics_count_them()
    {
        await using var agentNode = await FelixAgentNode.StartAsync();
        var (node, store, agent) = (agentNode.Node, agentNode.Store, agentNode.Agent);
        var web = node.Pod("prod/web", IPAddress.Parse("10.77.0.1"));
        var client = node.Pod("prod/client", IPAddress.Parse("10.77.0.2"));
        var outsider = node.Pod("dev/client", IPAddress.Parse("10.77.0.3"));
        await store.ApplyAsync(string.Join("\n---\n",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  labels: {env: prod}",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dev",
            Endpoint(web, NodeName, "app: web"),
            Endpoint(client, NodeName, "app: client"),
            Endpoint(outsider, NodeName, "app: client"),
            RemoteEndpoint("prod", "elsewhere", "10.77.1.9")));
        var state = Diagnostics(agentNode);

        Assert.True(await agent.ReadyAsync());
        Assert.Equal(200, (await agent.GetAsync(FelixAgentProcess.HealthPort, "/liveness")).Status);
        Assert.Equal(404, (await agent.GetAsync(FelixAgentProcess.HealthPort, "/nothing-here")).Status);
        // Until the agent knows an endpoint its interface is unknown, and dropped; then no policy applies to it yet.
        await Eventually.HoldsAsync(() => client.ReachesAsync(web, ProtocolType.Tcp, 80, Probe), "no policy yet: client reaches web", state);

        await Ctl(store, "apply", """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: default-deny, namespace: prod}
            spec: {podSelector: {}, policyTypes: [Ingress]}
            """);
        await Eventually.HoldsAsync(async () => !await client.ReachesAsync(web, ProtocolType.Tcp, 80, Probe), "default deny drops client -> web", state);
        Assert.False(await outsider.ReachesAsync(web, ProtocolType.Tcp, 80, Probe));
        Assert.True(await web.ReachesAsync(outsider, ProtocolType.Tcp, 80, Probe), "dev has no policy: web reaches it");

        await Ctl(store, "apply", """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-clients, namespace: prod}
            spec:
              podSelector: {matchLabels: {app: web}}
              ingress: [{from: [{podSelector: {matchLabels: {app: client}}}], ports: [{port: 80}]}]
            """);
        await Eventually.HoldsAsync(() => client.ReachesAsync(web, ProtocolType.Tcp, 80, Probe), "the allow policy lets client reach web:80", state);
        Assert.False(await client.ReachesAsync(web, ProtocolType.Tcp, 81, Probe), "port 81 stays denied");
        Assert.False(await outsider.ReachesAsync(web, ProtocolType.Tcp, 80, Probe), "a client of another namespace stays denied");

        await Eventually.HoldsAsync(async () => await agent.MetricAsync("felix_cluster_num_policies") == 2, "two policies counted", state);
        Assert.Equal(3, await agent.MetricAsync("felix_active_local_endpoints"));
        Assert.Equal(4, await agent.MetricAsync("felix_cluster_num_workload_endpoints"));
        Assert.Equal(2, await agent.MetricAsync("felix_active_local_policies"));
        // One peer selector (app == 'client' in prod) has address sets; the policies' own selectors need none.
        Assert.Equal(1, await agent.MetricAsync("felix_active_local_selectors"));
        Assert.True(await agent.MetricAsync("felix_nft_calls") >= 3);
        Assert.Equal(0, await agent.MetricAsync("felix_nft_errors"));
        Assert.True(await agent.MetricAsync("felix_nft_rules") > 0);
        Assert.True(await agent.MetricAsync("felix_int_dataplane_apply_time_seconds_count") >= 3);
        var metrics = (await agent.GetAsync(FelixAgentProcess.MetricsPort, "/metrics")).Body;
        Assert.Contains("# TYPE felix_int_dataplane_apply_time_seconds summary", metrics);
        Assert.Contains("felix_int_dataplane_apply_time_seconds{quantile=\"0.5\"} ", metrics);

        // A label change on the client's endpoint moves it out of the allow policy's peer selector, and back.
        await store.ApplyAsync(Endpoint(client, NodeName, "app: other"));
        await Eventually.HoldsAsync(async () => !await client.ReachesAsync(web, ProtocolType.Tcp, 80, Probe), "relabelled client denied", state);
        await store.ApplyAsync(Endpoint(client, NodeName, "app: client"));
        await Eventually.HoldsAsync(() => client.ReachesAsync(web, ProtocolType.Tcp, 80, Probe), "client allowed again", state);

        await Ctl(store, "delete", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny, namespace: prod}\n");
        await Ctl(store, "delete", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-clients, namespace: prod}\n");
        await Eventually.HoldsAsync(() => outsider.ReachesAsync(web, ProtocolType.Tcp, 80, Probe), "no policy left: dev reaches web again", state);
        Assert.True(await client.ReachesAsync(web, ProtocolType.Tcp, 81, Probe));
        await Eventually.HoldsAsync(async () => await agent.MetricAsync("felix_active_local_policies") == 0, "no active policy counted", state);
        Assert.True(await agent.ReadyAsync());
    }

    [Fact]
    public async Task A_service_accounts_labels_admit_the_pods_running_as_it_and_relabelling_it_moves_them_out()
    {
        await using var agentNode = await FelixAgentNode.StartAsync();
        var (node, store, agent) = (agentNode.Node, agentNode.Store, agentNode.Agent);
        var web = node.Pod("shop/web", IPAddress.Parse("10.78.0.1"));
        var frontend = node.Pod("shop/frontend", IPAddress.Parse("10.78.0.2"));
        var batch = node.Pod("shop/batch", IPAddress.Parse("10.78.0.3"));
        await store.ApplyAsync(string.Join("\n---\n",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop",
            Endpoint(web, NodeName, "app: web"),
            Endpoint(frontend, NodeName, "app: frontend", serviceAccount: "storefront"),
            Endpoint(batch, NodeName, "app: batch")));
        await Ctl(store, "apply", ServiceAccount("role: web-client"));
        await Ctl(store, "apply", """
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: web-clients}
            spec:
              selector: app == 'web'
              ingress: [{action: Allow, source: {serviceAccounts: {selector: "role == 'web-client'"}}}]
            """);
        var state = Diagnostics(agentNode);

        await Eventually.HoldsAsync(() => frontend.ReachesAsync(web, ProtocolType.Tcp, 80, Probe), "the storefront account's pod reaches web", state);
        Assert.False(await batch.ReachesAsync(web, ProtocolType.Tcp, 80, Probe), "a pod of the default account is dropped");

        // Only the service account changes: its pods' inherited labels move them out of the rule's set, and back.
        await Ctl(store, "apply", ServiceAccount("role: reporting"));
        await Eventually.HoldsAsync(async () => !await frontend.ReachesAsync(web, ProtocolType.Tcp, 80, Probe), "relabelled account denied", state);
        await Ctl(store, "apply", ServiceAccount("role: web-client"));
        await Eventually.HoldsAsync(() => frontend.ReachesAsync(web, ProtocolType.Tcp, 80, Probe), "account allowed again", state);
        Assert.False(await batch.ReachesAsync(web, ProtocolType.Tcp, 80, Probe));

        static string ServiceAccount(string labels) =>
            $"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: storefront\n  namespace: shop\n  labels: {{{labels}}}\n";
    }

    /// <summary>What a failed wait prints: the agent's output and the ruleset in the node.</summary>
    private static Func<string> Diagnostics(FelixAgentNode agentNode) =>
        () => $"--- agent ---\n{agentNode.Agent.Output}\n--- ruleset ---\n{CorpusTraffic.ListTable(agentNode.Node)}";

    private static async Task Ctl(TestStore store, string verb, string yaml)
    {
        var result = await Cninetctl.RunAsync(store.Path, yaml, verb, "-f", "-");
        Assert.True(result.ExitCode == 0, $"cninetctl {verb}: {result.Stdout}{result.Stderr}");
    }

    /// <summary>The WorkloadEndpoint Calico's plugin writes for a pod of this node, with the pod's labels.</summary>
    private static string Endpoint(PolicyPod pod, string node, string labels, string serviceAccount = "default")
    {
        var (ns, name) = (pod.Key.Split('/')[0], pod.Key.Split('/')[1]);
        return $$"""
            apiVersion: projectcalico.org/v3
            kind: WorkloadEndpoint
            metadata:
              name: {{node.Replace("-", "--")}}-k8s-{{name.Replace("-", "--")}}-eth0
              namespace: {{ns}}
              labels: {{{labels}}, projectcalico.org/namespace: {{ns}}, projectcalico.org/orchestrator: k8s}
            spec:
              orchestrator: k8s
              node: {{node}}
              pod: {{name}}
              endpoint: eth0
              interfaceName: {{pod.HostInterface}}
              ipNetworks: [{{pod.Ip}}/32]
              profiles: [kns.{{ns}}, ksa.{{ns}}.{{serviceAccount}}]
              serviceAccountName: {{serviceAccount}}
            """;
    }

    /// <summary>An endpoint of another node: counted cluster-wide, selectable, but no interface here.</summary>
    private static string RemoteEndpoint(string ns, string name, string ip) => $$"""
        apiVersion: projectcalico.org/v3
        kind: WorkloadEndpoint
        metadata:
          name: node--b-k8s-{{name}}-eth0
          namespace: {{ns}}
          labels: {app: client}
        spec: {orchestrator: k8s, node: node-b, pod: {{name}}, endpoint: eth0, interfaceName: cali0remote, ipNetworks: [{{ip}}/32]}
        """;
}
