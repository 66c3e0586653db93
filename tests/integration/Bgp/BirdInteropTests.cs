using System.Net;
using CniNet.Bgp.Session;
using CniNet.Bgp.Speaker;
using CniNet.IpamCore;
using CniNet.Linux;
using CniNet.Model.Net;
using Xunit;
using Xunit.Abstractions;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>Our speaker against a real BIRD 2 across a bridge: sessions, routes in both RIBs and both kernels, withdrawals.</summary>
public sealed class BirdInteropTests(ITestOutputHelper output)
{
    private const string Node = "node-a";

    /// <summary>The resources of one node at 10.99.0.1 in AS 64512 peering with <paramref name="peerIp"/>, with the mesh off.</summary>
    private static string Resources(string peerIp, uint peerAs, string nodeAddresses = "ipv4Address: 10.99.0.1/24") => $"""
        apiVersion: projectcalico.org/v3
        kind: IPPool
        metadata: {"{"}name: pods{"}"}
        spec: {"{"}cidr: 10.244.0.0/16, blockSize: 26{"}"}
        ---
        apiVersion: projectcalico.org/v3
        kind: Node
        metadata: {"{"}name: {Node}{"}"}
        spec:
          bgp: {"{"}{nodeAddresses}{"}"}
        ---
        apiVersion: projectcalico.org/v3
        kind: BGPConfiguration
        metadata: {"{"}name: default{"}"}
        spec: {"{"}nodeToNodeMeshEnabled: false, asNumber: 64512{"}"}
        ---
        apiVersion: projectcalico.org/v3
        kind: BGPPeer
        metadata: {"{"}name: bird{"}"}
        spec: {"{"}peerIP: "{peerIp}", asNumber: {peerAs}{"}"}
        """;

    private BgpSpeakerOptions Options(NetworkNamespace ns) => new()
    {
        Namespace = ns,
        ConnectRetry = TimeSpan.FromSeconds(1),
        ResyncInterval = TimeSpan.FromMilliseconds(500),
        Log = line =>
        {
            try
            {
                output.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // The test has finished; late session reports have nowhere to go.
            }
        },
    };

    /// <summary>Assigns one pod address on the node, which claims and confirms a /26 block for it.</summary>
    private static async Task<Cidr> ClaimBlockAsync(TestStore store)
    {
        var (v4, _) = await store.Ipam().AutoAssignAsync(new AutoAssignArgs { Hostname = Node, HandleId = "pod-1", Num4 = 1 });
        return Cidr.Containing(v4.IPs[0].NetworkAddress, 26);
    }

    private static string Routes(NetworkNamespace ns, params string[] args) => BgpLab.Ip(ns, ["route", "show", .. args]);

    [Fact]
    public async Task Ibgp_with_bird_exchanges_blocks_and_static_routes_through_both_kernels_and_withdraws_both_ways()
    {
        using var lab = new BgpLab();
        var node = lab.AddHost("10.99.0.1/24");
        var birdHost = lab.AddHost("10.99.0.2/24");
        await using var store = new TestStore();
        await store.ApplyAsync(Resources("10.99.0.2", 64512));
        var block = await ClaimBlockAsync(store);
        using var bird = await BirdProcess.StartAsync(birdHost, """
            router id 10.99.0.2;
            protocol device { }
            protocol direct { ipv4; interface "eth0"; }
            protocol kernel { ipv4 { import none; export where proto = "node"; }; }
            protocol static static1 { ipv4; route 10.250.1.0/26 blackhole; route 10.250.2.0/26 blackhole; }
            protocol bgp node {
              local 10.99.0.2 as 64512; neighbor 10.99.0.1 as 64512; connect retry time 1;
              ipv4 { import all; export where proto = "static1"; next hop self; };
            }
            """);
        await using var speaker = await BgpSpeaker.StartAsync(Node, store.Store, Options(node));

        var session = Assert.Single(speaker.Sessions);
        await Eventually.HoldsAsync(() => session.State == BgpSessionState.Established, "our session Established", () => $"{session} {session.LastError}\n{bird.Log}");
        await Eventually.HoldsAsync(() => bird.Birdc("show", "protocols", "node").Contains("Established"), "BIRD's session Established", bird.Log.ToString);

        // Our block: a blackhole in our kernel, a route in BIRD's table and in BIRD's kernel via our address.
        Assert.Contains($"blackhole {block} proto 196", Routes(node));
        await Eventually.HoldsAsync(() => bird.Birdc("show", "route", "protocol", "node").Contains($"{block}"), "the block in BIRD's table",
            () => bird.Birdc("show", "route", "all"));
        await Eventually.HoldsAsync(() => Routes(birdHost, "proto", "bird").Contains($"{block} via 10.99.0.1 dev eth0"), "the block in BIRD's kernel",
            () => Routes(birdHost));

        // BIRD's static routes in our kernel with our protocol number.
        await Eventually.HoldsAsync(() => Routes(node, "proto", "196").Contains("10.250.1.0/26 via 10.99.0.2 dev eth0")
                                          && Routes(node, "proto", "196").Contains("10.250.2.0/26 via 10.99.0.2 dev eth0"),
            "BIRD's static routes in our kernel", () => Routes(node));
        Assert.Contains((await speaker.RoutesAsync()), r => r.Prefix == Cidr.Parse("10.250.1.0/26") && r.NextHop.Equals(IPAddress.Parse("10.99.0.2")));

        // BIRD withdraws one static route: gone from our kernel, the other stays.
        await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(bird.Socket)!, "bird.conf"),
            (await File.ReadAllTextAsync(Path.Combine(Path.GetDirectoryName(bird.Socket)!, "bird.conf"))).Replace(" route 10.250.2.0/26 blackhole;", ""));
        bird.Birdc("configure");
        await Eventually.HoldsAsync(() => !Routes(node, "proto", "196").Contains("10.250.2.0/26"), "the withdrawn route gone from our kernel", () => Routes(node));
        Assert.Contains("10.250.1.0/26 via 10.99.0.2", Routes(node, "proto", "196"));

        // Session loss: BIRD's routes leave our kernel; they come back with the session.
        bird.Birdc("disable", "node");
        await Eventually.HoldsAsync(() => !Routes(node, "proto", "196").Contains("10.250.1.0/26"), "BIRD's routes gone after the session ended", () => Routes(node));
        bird.Birdc("enable", "node");
        await Eventually.HoldsAsync(() => Routes(node, "proto", "196").Contains("10.250.1.0/26 via 10.99.0.2"), "BIRD's routes back with the session", () => Routes(node));

        // We give the block up: BIRD's table and kernel lose it, our blackhole goes.
        await store.Ipam().ReleaseHostAffinitiesAsync(Node, mustBeEmpty: false);
        await Eventually.HoldsAsync(() => !bird.Birdc("show", "route").Contains($"{block}"), "the block withdrawn from BIRD's table", () => bird.Birdc("show", "route"));
        await Eventually.HoldsAsync(() => !Routes(birdHost).Contains($"{block}"), "the block gone from BIRD's kernel", () => Routes(birdHost));
        Assert.DoesNotContain($"{block}", Routes(node));
    }
}
