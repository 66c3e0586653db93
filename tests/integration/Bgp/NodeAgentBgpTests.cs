using CniNet.Tests.Integration.Cli;
using Xunit;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>
/// The speaker hosted in the published <c>cninet-node</c>, BGP alone (<c>--bgp --no-cni</c>), with its node name from
/// <c>NODENAME</c> and its store from <c>SQLITE_PATH</c> as calico-node takes them, peering with a real BIRD; and
/// <c>cninetctl node status</c> reading its peers as <c>calicoctl node status</c> reads BIRD's.
/// </summary>
public sealed class NodeAgentBgpTests
{
    private const string Node = "node-a";

    [Fact]
    public async Task Cninet_node_runs_the_speaker_from_the_store_and_node_status_shows_the_established_peer()
    {
        using var lab = new BgpLab();
        var node = lab.AddHost("10.99.0.1/24");
        var birdHost = lab.AddHost("10.99.0.2/24");
        await using var store = new TestStore();
        await store.ApplyAsync(BgpYaml.Join(
            BgpYaml.Pool("pods", "10.244.0.0/16", 26),
            BgpYaml.Node(Node, "ipv4Address: 10.99.0.1/24"),
            BgpYaml.MeshOff,
            BgpYaml.Peer("bird", "10.99.0.2", 64512)));
        var block = await Blocks.ClaimAsync(store, Node);
        using var bird = await BirdProcess.StartAsync(birdHost, BirdProcess.Listener());
        var status = Path.Combine(store.Directory, "status.sock");
        var agent = new NodeAgentProcess(node, Node, store.Path, "--bgp", "--no-cni", "--status-socket", status);
        await using (agent)
        {
            await Eventually.HoldsAsync(() => bird.Birdc("show", "protocols", "node").Contains("Established"), "BIRD's session with cninet-node Established",
                () => bird.Log + agent.Output);
            await Eventually.HoldsAsync(() => bird.Birdc("show", "route", "protocol", "node").Contains($"{block}"), "our block in BIRD's table",
                () => bird.Birdc("show", "route", "all"));
            await Eventually.HoldsAsync(async () => (await NodeStatusAsync(status)).Stdout.Contains("Established"), "node status shows the session");
            var shown = await NodeStatusAsync(status);
            Assert.Equal(0, shown.ExitCode);
            Assert.Contains("Calico process is running.", shown.Stdout);
            Assert.Matches(@"\| 10\.99\.0\.2 +\| global +\| up +\| \d\d:\d\d:\d\d \| Established \|", shown.Stdout);
            Assert.Contains("No IPv6 peers found.", shown.Stdout);
        }
        var stopped = await NodeStatusAsync(status);
        Assert.Equal(1, stopped.ExitCode);
        Assert.Contains("Calico process is not running.", stopped.Stdout);
    }

    [Fact]
    public async Task Cninet_node_takes_the_md5_key_from_the_Secret_in_its_secret_namespace()
    {
        using var lab = new BgpLab();
        var node = lab.AddHost("10.99.0.1/24");
        var birdHost = lab.AddHost("10.99.0.2/24");
        await using var store = new TestStore();
        static string Key(string value) => $"bird: {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value))}";
        await store.ApplyAsync(BgpYaml.Join(
            BgpYaml.Node(Node, "ipv4Address: 10.99.0.1/24"),
            BgpYaml.MeshOff,
            BgpYaml.Peer("bird", "10.99.0.2", 64512, BgpYaml.Password("bgp-secrets", "bird")),
            // The same Secret in the default namespace holds another key: the agent is told to look elsewhere.
            BgpYaml.Secret("bgp-secrets", "calico-system", Key("not-this-one")),
            BgpYaml.Secret("bgp-secrets", "kube-bgp", Key("the-secret"))));
        using var bird = await BirdProcess.StartAsync(birdHost, BirdProcess.Listener("the-secret"));
        await using var agent = new NodeAgentProcess(node, Node, store.Path, "--bgp", "--no-cni", "--secret-namespace", "kube-bgp",
            "--status-socket", Path.Combine(store.Directory, "status.sock"));
        await Eventually.HoldsAsync(() => bird.Birdc("show", "protocols", "node").Contains("Established"), "BIRD's MD5 session with cninet-node Established",
            () => bird.Log + agent.Output);
        Assert.Contains("md5keys", Linux.TestNamespaces.Exec(node, "ss", "-tni", "state", "established").Stdout);
    }

    public static Task<Cninetctl.Result> NodeStatusAsync(string statusSocket) =>
        Cninetctl.RunWithAsync(new Dictionary<string, string?> { ["CNINET_STATUS_SOCKET"] = statusSocket }, "", "node", "status");
}
