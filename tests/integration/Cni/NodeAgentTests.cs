using System.Diagnostics;
using CniNet.Linux;
using CniNet.Tests.Integration.Linux;
using Xunit;

namespace CniNet.Tests.Integration.Cni;

/// <summary>
/// The plugins hand their invocations to the node agent <c>cninet-node</c> when it listens in their network namespace,
/// and do the work themselves otherwise. Which process did it is read from the plugin log, where every line carries
/// the writer's process ID.
/// </summary>
public sealed class NodeAgentTests : IAsyncLifetime
{
    private readonly CniNode _node = new();
    private readonly List<Process> _agents = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            if (!agent.HasExited) agent.Kill();
            await agent.WaitForExitAsync();
            agent.Dispose();
        }
        await _node.DisposeAsync();
    }

    private (Process Agent, string Socket) StartAgent(NetworkNamespace ns)
    {
        var socket = Path.Combine(_node.Store.Directory, $"agent-{_agents.Count}.sock");
        var info = new ProcessStartInfo("ip", ["netns", "exec", TestNamespaces.NameOf(ns), OutBin.PathOf("cninet-node"), "--cni-socket", socket])
        {
            RedirectStandardOutput = true, UseShellExecute = false,
        };
        var agent = Process.Start(info)!;
        _agents.Add(agent);
        var started = Stopwatch.StartNew();
        while (!File.Exists(socket))
        {
            Assert.False(agent.HasExited, "cninet-node exited before opening its socket");
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), "cninet-node did not open its socket");
            Thread.Sleep(20);
        }
        return (agent, socket);
    }

    private CniNode.Response Add(string socket, string id, NetworkNamespace pod) =>
        _node.Invoke("ADD", _node.Config().ToJsonString(), id, pod.Path, cniArgs: CniNode.KubeletArgs("default", id),
            env: new Dictionary<string, string?> { ["CNINET_AGENT_SOCKET"] = socket });

    private CniNode.Response Del(string socket, string id, NetworkNamespace pod) =>
        _node.Invoke("DEL", _node.Config().ToJsonString(), id, pod.Path, cniArgs: CniNode.KubeletArgs("default", id),
            env: new Dictionary<string, string?> { ["CNINET_AGENT_SOCKET"] = socket });

    /// <summary>The process ID on the log line that records the ADD of <paramref name="id"/>.</summary>
    private int AddedBy(string id) =>
        int.Parse(File.ReadLines(_node.LogFile).Last(l => l.Contains($"ADD node--1-k8s-{id.Replace("-", "--")}-eth0")).Split('[', ']')[3]);

    [Fact]
    public async Task The_agent_in_the_nodes_namespace_serves_add_and_del_and_the_pods_reach_each_other()
    {
        var (agent, socket) = StartAgent(_node.Host);
        var (a, _) = _node.Pod();
        var (b, _) = _node.Pod();
        var addA = Add(socket, "agent-a", a);
        Assert.True(addA.ExitCode == 0, addA.Stdout + addA.Stderr);
        var addB = Add(socket, "agent-b", b);
        Assert.True(addB.ExitCode == 0, addB.Stdout + addB.Stderr);
        Assert.Equal(agent.Id, AddedBy("agent-a"));
        Assert.Equal(agent.Id, AddedBy("agent-b"));

        var ipB = ((string)addB.Json["ips"]![0]!["address"]!).Split('/')[0];
        var ping = TestNamespaces.Exec(a, "ping", "-c1", "-W2", ipB);
        Assert.True(ping.ExitCode == 0, ping.Stdout + ping.Stderr);

        Assert.Equal(0, Del(socket, "agent-a", a).ExitCode);
        Assert.Equal(0, Del(socket, "agent-b", b).ExitCode);
        Assert.Equal(0, Del(socket, "agent-b", b).ExitCode);
        Assert.Empty(_node.HostLinks());
        var check = await Cli.Cninetctl.RunAsync(_node.Store.Path, "", "ipam", "check");
        Assert.Contains("found 0 problems", check.Stdout);
    }

    [Fact]
    public async Task Concurrent_adds_through_the_agent_share_its_ipam_client_and_every_pod_gets_its_own_address()
    {
        var (agent, socket) = StartAgent(_node.Host);
        var pods = Enumerable.Range(0, 12).Select(i => (Id: $"burst-{i}", Ns: _node.Pod().Item1)).ToList();
        var adds = await Task.WhenAll(pods.Select(p => Task.Run(() => Add(socket, p.Id, p.Ns))));
        Assert.All(adds, add => Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr));
        Assert.All(pods, p => Assert.Equal(agent.Id, AddedBy(p.Id)));
        var addresses = adds.Select(add => ((string)add.Json["ips"]![0]!["address"]!).Split('/')[0]).ToList();
        Assert.Equal(pods.Count, addresses.Distinct().Count());
        Assert.Equal(pods.Count, _node.HostLinks().Count);
        var ping = TestNamespaces.Exec(pods[0].Ns, "ping", "-c1", "-W2", addresses[^1]);
        Assert.True(ping.ExitCode == 0, ping.Stdout + ping.Stderr);
        var check = await Cli.Cninetctl.RunAsync(_node.Store.Path, "", "ipam", "check");
        Assert.Contains($"Found {pods.Count} allocated addresses", check.Stdout);

        var dels = await Task.WhenAll(pods.Select(p => Task.Run(() => Del(socket, p.Id, p.Ns))));
        Assert.All(dels, del => Assert.Equal(0, del.ExitCode));
        Assert.Empty(_node.HostLinks());
        var show = await Cli.Cninetctl.RunAsync(_node.Store.Path, "", "ipam", "check");
        Assert.Contains("found 0 problems", show.Stdout);
        Assert.Contains("Found 0 allocated addresses", show.Stdout);
    }

    [Fact]
    public void An_agent_in_another_network_namespace_is_not_used_and_the_plugin_does_the_work_itself()
    {
        var (elsewhere, _) = _node.Pod();
        var (agent, socket) = StartAgent(elsewhere);
        var (pod, _) = _node.Pod();
        var add = Add(socket, "not-agent", pod);
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        Assert.NotEqual(agent.Id, AddedBy("not-agent"));
        Assert.Single(_node.HostLinks());
        Assert.Equal(0, Del(socket, "not-agent", pod).ExitCode);
        Assert.Empty(_node.HostLinks());
    }

    [Fact]
    public void A_socket_nobody_listens_on_makes_the_plugin_do_the_work_itself()
    {
        var socket = Path.Combine(_node.Store.Directory, "stale.sock");
        using (var stale = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
            stale.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(socket));
        var (pod, _) = _node.Pod();
        var add = Add(socket, "stale-agent", pod);
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        Assert.Equal(0, Del(socket, "stale-agent", pod).ExitCode);
        Assert.Empty(_node.HostLinks());
    }
}
