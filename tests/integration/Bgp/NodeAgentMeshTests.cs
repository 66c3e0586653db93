using CniNet.Linux;
using CniNet.Model.Net;
using CniNet.Tests.Integration.Cni;
using CniNet.Tests.Integration.Linux;
using Xunit;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>
/// Calico's node-to-node mesh end to end: three node namespaces on one bridge, each running the published
/// <c>cninet-node --bgp</c> (with its CNI agent) on one shared store, and pods wired by the real <c>calico</c> and
/// <c>calico-ipam</c> executables. Pods on different nodes reach each other only over the routes the speakers put in
/// the nodes' kernels.
/// </summary>
public sealed class NodeAgentMeshTests
{
    private static readonly string[] Names = ["node-1", "node-2", "node-3"];

    private sealed record MeshNode(string Name, NetworkNamespace Ns, NodeAgentProcess Agent, string CniSocket, string StatusSocket);

    [Fact]
    public async Task Pods_on_three_cninet_nodes_ping_across_the_mesh_until_a_block_is_released()
    {
        using var lab = new BgpLab("bgp-mesh");
        await using var store = new TestStore();
        await store.ApplyAsync(BgpYaml.Join([BgpYaml.Pool("default-ipv4-ippool", "10.244.0.0/16", 26),
            .. Names.Select((n, i) => BgpYaml.Node(n, $"ipv4Address: 10.99.0.{i + 1}/24"))]));
        var nodes = new List<MeshNode>();
        try
        {
            for (var i = 0; i < Names.Length; i++)
            {
                var ns = lab.AddHost($"10.99.0.{i + 1}/24");
                // The node's own address on lo, an uplink with a default route (proxy ARP for the pods' 169.254.1.1), ip_forward=1.
                var setup = TestNamespaces.Exec(ns, Path.Combine(OutBin.RepositoryRoot, "scripts", "node-netns.sh"), TestNamespaces.NameOf(ns), $"192.168.50.{i + 1}");
                Assert.True(setup.ExitCode == 0, setup.Stderr);
                var cni = Path.Combine(store.Directory, $"cni-{Names[i]}.sock");
                var status = Path.Combine(store.Directory, $"status-{Names[i]}.sock");
                nodes.Add(new MeshNode(Names[i], ns, new NodeAgentProcess(ns, Names[i], store.Path, "--bgp", "--cni-socket", cni, "--status-socket", status), cni, status));
            }
            foreach (var node in nodes)
            {
                await Eventually.HoldsAsync(() => File.Exists(node.CniSocket) || node.Agent.HasExited, $"{node.Name}'s agent listening", () => node.Agent.Output);
                Assert.False(node.Agent.HasExited, node.Agent.Output);
            }

            var pods = nodes.Select(node => (Node: node, Pod: lab.AddPod(), Id: $"pod-{node.Name}")).ToList();
            var ips = new List<string>();
            foreach (var (node, pod, id) in pods)
            {
                var add = Cni(node, "ADD", id, pod.Path);
                Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
                ips.Add(((string)add.Json["ips"]![0]!["address"]!).Split('/')[0]);
            }
            var blocks = ips.Select(ip => Cidr.Containing(System.Net.IPAddress.Parse(ip), 26)).ToList();
            Assert.Equal(3, blocks.Distinct().Count());

            foreach (var node in nodes)
            {
                await Eventually.HoldsAsync(
                    async () => (await NodeAgentBgpTests.NodeStatusAsync(node.StatusSocket)).Stdout.Split('\n').Count(l => l.Contains("| node-to-node mesh | up ") && l.Contains("Established")) == 2,
                    $"{node.Name}: both mesh peers Established in node status",
                    () => NodeAgentBgpTests.NodeStatusAsync(node.StatusSocket).Result.Stdout + node.Agent.Output);
            }
            for (var i = 0; i < nodes.Count; i++)
            {
                for (var j = 0; j < nodes.Count; j++)
                {
                    if (i == j) continue;
                    var (from, to) = (pods[i].Pod, ips[j]);
                    await Eventually.HoldsAsync(() => TestNamespaces.Exec(from, "ping", "-c1", "-W1", to).ExitCode == 0,
                        $"{pods[i].Id} pings {pods[j].Id} ({to})", () => BgpLab.Ip(nodes[i].Ns, "route", "show"));
                    Assert.Contains($"{blocks[j]} via 10.99.0.{j + 1} dev eth0 proto 196", BgpLab.Ip(nodes[i].Ns, "route", "show"));
                }
            }

            // The pod on node-3 goes; Calico keeps the block affine to node-3, so the others still route it there.
            var del = Cni(nodes[2], "DEL", pods[2].Id, pods[2].Pod.Path);
            Assert.True(del.ExitCode == 0, del.Stdout + del.Stderr);
            Assert.DoesNotContain($"{ips[2]} dev cali", BgpLab.Ip(nodes[2].Ns, "route", "show"));
            Assert.Contains($"{blocks[2]} via 10.99.0.3", BgpLab.Ip(nodes[0].Ns, "route", "show"));

            // Released, the block is withdrawn: node-3 drops its blackhole and the others their route to it.
            await store.Ipam().ReleaseBlockAffinityAsync(nodes[2].Name, blocks[2], requireEmpty: false);
            foreach (var node in nodes)
                await Eventually.HoldsAsync(() => !BgpLab.Ip(node.Ns, "route", "show").Contains(blocks[2].ToString()), $"{node.Name}: {blocks[2]} withdrawn",
                    () => BgpLab.Ip(node.Ns, "route", "show"));
            var stillUp = TestNamespaces.Exec(pods[0].Pod, "ping", "-c1", "-W1", ips[1]);
            Assert.True(stillUp.ExitCode == 0, stillUp.Stdout + stillUp.Stderr);
        }
        finally
        {
            foreach (var node in nodes) await node.Agent.DisposeAsync();
        }

        // A kubelet-style CNI command for a pod on the node, run by the real plugin and handed to that node's agent.
        CniNode.Response Cni(MeshNode node, string command, string id, string netns) =>
            CniNode.InvokeIn(node.Ns, command, CniNode.Netconf(node.Name, store).ToJsonString(), id, netns,
                cniArgs: CniNode.KubeletArgs("default", id), env: new Dictionary<string, string?> { ["CNINET_AGENT_SOCKET"] = node.CniSocket });
    }

}
