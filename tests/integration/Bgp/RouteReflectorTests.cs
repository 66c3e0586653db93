using CniNet.Bgp.Session;
using CniNet.Bgp.Speaker;
using CniNet.Linux;
using Xunit;
using Xunit.Abstractions;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>Our speaker as a Calico route reflector node (routeReflectorClusterID) for two BIRD clients.</summary>
public sealed class RouteReflectorTests(ITestOutputHelper output)
{
    private static readonly string Resources = BgpYaml.Join(
        BgpYaml.Pool("pods", "10.244.0.0/16", 26),
        BgpYaml.Node("rr-1", "ipv4Address: 10.99.0.1/24, routeReflectorClusterID: 244.0.0.1"),
        BgpYaml.MeshOff,
        BgpYaml.Peer("client-2", "10.99.0.2", 64512),
        BgpYaml.Peer("client-3", "10.99.0.3", 64512));

    private static string Client(int i) => $$"""
        router id 10.99.0.{{i}};
        protocol device { }
        protocol direct { ipv4; interface "eth0"; }
        protocol kernel { ipv4 { import none; export where proto = "reflector"; }; }
        protocol static static1 { ipv4; route 10.250.{{i}}.0/26 blackhole; }
        protocol bgp reflector {
          local 10.99.0.{{i}} as 64512; neighbor 10.99.0.1 as 64512; connect retry time 1;
          ipv4 {
            import all; next hop self;
            # An extended community: an optional transitive attribute we do not interpret, so it must pass through us;
            # standard and large communities (Calico's own kinds) are carried unchanged too.
            export filter {
              if proto = "static1" then {
                bgp_ext_community.add((rt, 10, {{i}})); bgp_community.add((65000, {{i}})); bgp_large_community.add((65000, 1, {{i}})); accept;
              }
              reject;
            };
          };
        }
        """;

    [Fact]
    public async Task Client_routes_are_reflected_with_originator_cluster_list_communities_and_unknown_transitive_attributes_then_withdrawn()
    {
        using var lab = new BgpLab();
        var rr = lab.AddHost("10.99.0.1/24");
        var host2 = lab.AddHost("10.99.0.2/24");
        var host3 = lab.AddHost("10.99.0.3/24");
        await using var store = new TestStore();
        await store.ApplyAsync(Resources);
        var block = await Blocks.ClaimAsync(store, "rr-1");
        using var bird2 = await BirdProcess.StartAsync(host2, Client(2));
        using var bird3 = await BirdProcess.StartAsync(host3, Client(3));
        await using var speaker = await BgpSpeaker.StartAsync("rr-1", store.Store, Blocks.Options(rr, output));

        Assert.All(speaker.Sessions, s => Assert.True(s.Peer.RouteReflectorClient));
        await Eventually.HoldsAsync(() => speaker.Sessions.All(s => s.State == BgpSessionState.Established), "both client sessions Established",
            () => string.Join("; ", speaker.Sessions.Select(s => $"{s} {s.LastError}")));

        foreach (var (bird, host, other) in new[] { (bird2, host2, 3), (bird3, host3, 2) })
        {
            var prefix = $"10.250.{other}.0/26";
            await Eventually.HoldsAsync(() => bird.Birdc("show", "route", "all", prefix).Contains($"BGP.originator_id: 10.99.0.{other}"),
                $"{prefix} reflected with its originator", () => bird.Birdc("show", "route", "all"));
            var attributes = bird.Birdc("show", "route", "all", prefix);
            Assert.Contains("BGP.cluster_list: 244.0.0.1", attributes);
            Assert.Contains($"BGP.ext_community: (rt, 10, {other})", attributes);
            Assert.Contains($"BGP.community: (65000,{other})", attributes);
            Assert.Contains($"BGP.large_community: (65000, 1, {other})", attributes);
            await Eventually.HoldsAsync(() => BgpLab.Ip(host, "route", "show").Contains($"{prefix} via 10.99.0.{other} dev eth0 proto bird"),
                $"{prefix} in the client's kernel via its originator", () => BgpLab.Ip(host, "route", "show"));
            await Eventually.HoldsAsync(() => BgpLab.Ip(host, "route", "show").Contains($"{block} via 10.99.0.1 dev eth0 proto bird"),
                "our own block at the client", () => BgpLab.Ip(host, "route", "show"));
        }

        bird3.Birdc("disable", "static1");
        await Eventually.HoldsAsync(() => !bird2.Birdc("show", "route").Contains("10.250.3.0/26"), "the withdrawal reflected too", () => bird2.Birdc("show", "route"));
        Assert.DoesNotContain("10.250.3.0/26", BgpLab.Ip(rr, "route", "show"));
    }

    [Fact]
    public async Task As_a_client_of_a_bird_reflector_our_block_reaches_the_other_client_and_its_route_reaches_our_kernel()
    {
        using var lab = new BgpLab();
        var node = lab.AddHost("10.99.0.1/24");
        var other = lab.AddHost("10.99.0.2/24");
        var reflector = lab.AddHost("10.99.0.10/24");
        await using var store = new TestStore();
        await store.ApplyAsync(BgpYaml.Join(
            BgpYaml.Pool("pods", "10.244.0.0/16", 26),
            BgpYaml.Node("node-a", "ipv4Address: 10.99.0.1/24"),
            BgpYaml.MeshOff,
            BgpYaml.Peer("reflector", "10.99.0.10", 64512)));
        var block = await Blocks.ClaimAsync(store, "node-a");
        using var rrBird = await BirdProcess.StartAsync(reflector, """
            router id 10.99.0.10;
            protocol device { }
            protocol direct { ipv4; interface "eth0"; }
            template bgp clients {
              local 10.99.0.10 as 64512; rr client; rr cluster id 244.0.0.9; connect retry time 1;
              ipv4 { import all; export all; };
            }
            protocol bgp node from clients { neighbor 10.99.0.1 as 64512; }
            protocol bgp client2 from clients { neighbor 10.99.0.2 as 64512; }
            """);
        using var otherBird = await BirdProcess.StartAsync(other, Client(2).Replace("neighbor 10.99.0.1", "neighbor 10.99.0.10"));
        await using var speaker = await BgpSpeaker.StartAsync("node-a", store.Store, Blocks.Options(node, output));

        await Eventually.HoldsAsync(() => BgpLab.Ip(other, "route", "show").Contains($"{block} via 10.99.0.1 dev eth0 proto bird"),
            "our block at the other client via us", () => otherBird.Birdc("show", "route", "all"));
        await Eventually.HoldsAsync(() => BgpLab.Ip(node, "route", "show", "proto", "196").Contains("10.250.2.0/26 via 10.99.0.2 dev eth0"),
            "the other client's route in our kernel via its originator", () => BgpLab.Ip(node, "route", "show"));
        var learned = Assert.Single(await speaker.RoutesAsync(), r => r.Prefix.ToString() == "10.250.2.0/26");
        Assert.Equal(System.Net.IPAddress.Parse("10.99.0.2"), learned.Attributes.OriginatorId);
        Assert.Equal([CalicoBgpConfig.ClusterId("244.0.0.9")!.Value], learned.Attributes.ClusterList);

        // The reflector also exports its connected subnet; our kernel keeps its own connected route for it.
        await Eventually.HoldsAsync(async () => (await speaker.RoutesAsync()).Any(r => r.Prefix.ToString() == "10.99.0.0/24"), "the reflector's subnet in our RIB");
        Assert.Contains("10.99.0.0/24 dev eth0 proto kernel scope link src 10.99.0.1", BgpLab.Ip(node, "route", "show"));
        Assert.DoesNotContain("10.99.0.0/24 via", BgpLab.Ip(node, "route", "show"));
    }
}
