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
          ipv4 { import all; export where proto = "static1"; next hop self; };
        }
        """;

    [Fact]
    public async Task Client_routes_are_reflected_to_the_other_client_with_originator_and_cluster_list_and_withdrawn_again()
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
            await Eventually.HoldsAsync(() => BgpLab.Ip(host, "route", "show").Contains($"{prefix} via 10.99.0.{other} dev eth0 proto bird"),
                $"{prefix} in the client's kernel via its originator", () => BgpLab.Ip(host, "route", "show"));
            await Eventually.HoldsAsync(() => BgpLab.Ip(host, "route", "show").Contains($"{block} via 10.99.0.1 dev eth0 proto bird"),
                "our own block at the client", () => BgpLab.Ip(host, "route", "show"));
        }

        bird3.Birdc("disable", "static1");
        await Eventually.HoldsAsync(() => !bird2.Birdc("show", "route").Contains("10.250.3.0/26"), "the withdrawal reflected too", () => bird2.Birdc("show", "route"));
        Assert.DoesNotContain("10.250.3.0/26", BgpLab.Ip(rr, "route", "show"));
    }
}
