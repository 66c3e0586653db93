using CniNet.Bgp.Session;
using CniNet.Bgp.Speaker;
using CniNet.Linux;
using Xunit;
using Xunit.Abstractions;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>RFC 4724 as the receiving speaker: a BIRD that dies with graceful restart on keeps its routes in our kernel until it is back or its restart time is over.</summary>
public sealed class GracefulRestartTests(ITestOutputHelper output)
{
    private static readonly string Resources = BgpYaml.Join(
        BgpYaml.Node("node-a", "ipv4Address: 10.99.0.1/24"),
        BgpYaml.MeshOff,
        BgpYaml.Peer("bird", "10.99.0.2", 64512));

    private static string Config(int restartTime, string routes) => $$"""
        router id 10.99.0.2;
        protocol device { }
        protocol static static1 { ipv4; {{routes}} }
        protocol bgp node {
          local 10.99.0.2 as 64512; neighbor 10.99.0.1 as 64512; connect retry time 1;
          graceful restart on; graceful restart time {{restartTime}};
          ipv4 { import all; export where proto = "static1"; next hop self; };
        }
        """;

    private static string Ours(NetworkNamespace node) => BgpLab.Ip(node, "route", "show", "proto", "196");

    [Fact]
    public async Task Routes_of_a_killed_bird_stay_until_it_restarts_and_then_only_what_it_still_has_remains()
    {
        using var lab = new BgpLab();
        var node = lab.AddHost("10.99.0.1/24");
        var birdHost = lab.AddHost("10.99.0.2/24");
        await using var store = new TestStore();
        await store.ApplyAsync(Resources);
        var bird = await BirdProcess.StartAsync(birdHost, Config(120, "route 10.250.1.0/26 blackhole;"));
        try
        {
            await using var speaker = await BgpSpeaker.StartAsync("node-a", store.Store, Blocks.Options(node, output));
            var session = Assert.Single(speaker.Sessions);
            await Eventually.HoldsAsync(() => Ours(node).Contains("10.250.1.0/26 via 10.99.0.2"), "BIRD's route in our kernel", () => Ours(node));

            bird.Dispose();
            await Eventually.HoldsAsync(() => session.State != BgpSessionState.Established, "our session down after BIRD died");
            Assert.Contains("10.250.1.0/26 via 10.99.0.2", Ours(node));

            bird = await BirdProcess.StartAsync(birdHost, Config(120, "route 10.250.3.0/26 blackhole;"), recovering: true);
            await Eventually.HoldsAsync(() => Ours(node).Contains("10.250.3.0/26 via 10.99.0.2") && !Ours(node).Contains("10.250.1.0/26"),
                "the restarted BIRD's route in, the stale one out", () => $"{Ours(node)}\n{session} {session.LastError}");
        }
        finally
        {
            bird.Dispose();
        }
    }

    [Fact]
    public async Task Routes_of_a_bird_that_does_not_come_back_go_when_its_restart_time_is_over()
    {
        using var lab = new BgpLab();
        var node = lab.AddHost("10.99.0.1/24");
        var birdHost = lab.AddHost("10.99.0.2/24");
        await using var store = new TestStore();
        await store.ApplyAsync(Resources);
        using var bird = await BirdProcess.StartAsync(birdHost, Config(2, "route 10.250.1.0/26 blackhole;"));
        await using var speaker = await BgpSpeaker.StartAsync("node-a", store.Store, Blocks.Options(node, output));
        var session = Assert.Single(speaker.Sessions);
        await Eventually.HoldsAsync(() => Ours(node).Contains("10.250.1.0/26 via 10.99.0.2"), "BIRD's route in our kernel", () => Ours(node));

        bird.Dispose();
        await Eventually.HoldsAsync(() => session.State != BgpSessionState.Established, "our session down after BIRD died");
        Assert.Contains("10.250.1.0/26", Ours(node));
        await Eventually.HoldsAsync(() => !Ours(node).Contains("10.250.1.0/26"), "the stale route gone after the restart time", () => Ours(node));
    }
}
