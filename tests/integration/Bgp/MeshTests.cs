using CniNet.Bgp.Session;
using CniNet.Bgp.Speaker;
using CniNet.Linux;
using CniNet.Model.Net;
using Xunit;
using Xunit.Abstractions;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>Our own speakers in Calico's node-to-node mesh, one namespace per node, all reading one datastore.</summary>
public sealed class MeshTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Three_nodes_mesh_and_each_kernel_routes_the_others_blocks_via_their_addresses()
    {
        using var lab = new BgpLab();
        await using var store = new TestStore();
        var names = new[] { "node-1", "node-2", "node-3" };
        var yaml = BgpYaml.Join([BgpYaml.Pool("pods", "10.244.0.0/16", 26), .. names.Select((n, i) => BgpYaml.Node(n, $"ipv4Address: 10.99.0.{i + 1}/24"))]);
        await store.ApplyAsync(yaml);
        var hosts = names.Select((_, i) => lab.AddHost($"10.99.0.{i + 1}/24")).ToArray();
        var blocks = new List<Cidr>();
        foreach (var name in names) blocks.Add(await Blocks.ClaimAsync(store, name));
        var speakers = new List<BgpSpeaker>();
        try
        {
            for (var i = 0; i < names.Length; i++)
                speakers.Add(await BgpSpeaker.StartAsync(names[i], store.Store, Blocks.Options(hosts[i], output, names[i])));

            // node-2 waits for node-3 (the greater address connects) and connects to node-1.
            Assert.Equal([("Mesh_10_99_0_1", false), ("Mesh_10_99_0_3", true)], speakers[1].Sessions.OrderBy(s => s.Peer.Name).Select(s => (s.Peer.Name, s.Peer.Passive)));
            await Eventually.HoldsAsync(() => speakers.All(s => s.Sessions.Count == 2 && s.Sessions.All(x => x.State == BgpSessionState.Established)),
                "every mesh session Established", () => string.Join("\n", speakers.SelectMany(s => s.Sessions).Select(s => $"{s} {s.LastError}")));
            Assert.Equal(
                [("10.99.0.1", "node-to-node mesh", BgpSessionState.Established, "Established"), ("10.99.0.3", "node-to-node mesh", BgpSessionState.Established, "Established")],
                speakers[1].Status().Select(s => (s.PeerAddress.ToString(), s.Type, s.State, s.Info)));
            for (var i = 0; i < names.Length; i++)
            {
                for (var j = 0; j < names.Length; j++)
                {
                    var expected = i == j ? $"blackhole {blocks[j]} proto 196" : $"{blocks[j]} via 10.99.0.{j + 1} dev eth0 proto 196";
                    var host = hosts[i];
                    await Eventually.HoldsAsync(() => BgpLab.Ip(host, "route", "show").Contains(expected), $"{names[i]} has {expected}",
                        () => BgpLab.Ip(host, "route", "show"));
                }
            }

            // node-3 stops: the others take its block out of their kernels.
            await speakers[2].DisposeAsync();
            foreach (var host in hosts[..2])
                await Eventually.HoldsAsync(() => !BgpLab.Ip(host, "route", "show").Contains(blocks[2].ToString()), "node-3's block gone", () => BgpLab.Ip(host, "route", "show"));
            var down = speakers[1].Status().Single(s => s.PeerAddress.ToString() == "10.99.0.3");
            Assert.NotEqual(BgpSessionState.Established, down.State);
            Assert.Contains("NOTIFICATION 6/2", down.Info);
        }
        finally
        {
            foreach (var speaker in speakers) await speaker.DisposeAsync();
        }
    }
}
