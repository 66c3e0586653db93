using CniNet.Bgp.Session;
using CniNet.Bgp.Speaker;
using CniNet.Linux;
using Xunit;
using Xunit.Abstractions;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>
/// Learned routes are written to the kernel in netlink batches; the kernel must still end up holding exactly the
/// RIB's best routes, no more and no fewer, through announce, withdraw and session loss.
/// </summary>
public sealed class KernelRouteScaleTests(ITestOutputHelper output)
{
    private const int Prefixes = 10_000;

    /// <summary>11.0.0.0/26, 11.0.0.64/26, ...: the i-th of BIRD's static routes.</summary>
    private static string Prefix(int i)
    {
        var v = 0x0B000000u + (uint)i * 64;
        return $"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}/26";
    }

    private static HashSet<string> Ours(NetworkNamespace ns) =>
        BgpLab.Ip(ns, "route", "show", "proto", "196").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToHashSet();

    [Fact]
    public async Task Ten_thousand_learned_routes_all_land_in_the_kernel_and_all_leave_on_withdraw_and_on_session_loss()
    {
        using var lab = new BgpLab("bgp-mesh");
        var node = lab.AddHost("10.99.0.1/24");
        var birdHost = lab.AddHost("10.99.0.2/24");
        // A route of someone else's with the key of one learned prefix: the kernel refuses ours, and it is left alone.
        var taken = Prefix(4321);
        BgpLab.Ip(node, "route", "add", taken, "dev", "eth0");
        await using var store = new TestStore();
        await store.ApplyAsync(BgpYaml.Join(BgpYaml.Node("node-a", "ipv4Address: 10.99.0.1/24"), BgpYaml.MeshOff, BgpYaml.Peer("bird", "10.99.0.2", 64512)));
        var routes = string.Join("\n", Enumerable.Range(0, Prefixes).Select(i => $"route {Prefix(i)} blackhole;"));
        using var bird = await BirdProcess.StartAsync(birdHost, $$"""
            router id 10.99.0.2;
            protocol device { }
            protocol static origin { ipv4; {{routes}} }
            protocol bgp node {
              local 10.99.0.2 as 64512; neighbor 10.99.0.1 as 64512; connect retry time 1;
              ipv4 { import none; export where proto = "origin"; next hop self; };
            }
            """);
        await using var speaker = await BgpSpeaker.StartAsync("node-a", store.Store, Blocks.Options(node, output));
        var expected = Enumerable.Range(0, Prefixes).Select(Prefix).Where(p => p != taken).ToHashSet();

        await Eventually.HoldsAsync(() => speaker.RouteCount == Prefixes, $"all {Prefixes} routes in our RIB", () => $"{speaker.RouteCount} {bird.Log}");
        await Eventually.HoldsAsync(() => Ours(node).SetEquals(expected), "every learned route in the kernel but the taken one", () => $"{Ours(node).Count} of ours");
        Assert.Contains($"{taken} dev eth0 scope link", BgpLab.Ip(node, "route", "show", taken));
        Assert.Contains($"{Prefix(0)} via 10.99.0.2 dev eth0 proto 196", BgpLab.Ip(node, "route", "show", Prefix(0)));

        // BIRD withdraws them all.
        bird.Birdc("disable", "origin");
        await Eventually.HoldsAsync(() => speaker.RouteCount == 0 && Ours(node).Count == 0, "every route withdrawn from the kernel", () => $"{Ours(node).Count} left");
        Assert.Contains($"{taken} dev eth0 scope link", BgpLab.Ip(node, "route", "show", taken));

        // Announced again, then the session goes down (BIRD stops it with a Cease): all of them leave again.
        bird.Birdc("enable", "origin");
        await Eventually.HoldsAsync(() => Ours(node).SetEquals(expected), "every route back in the kernel", () => $"{Ours(node).Count} of ours");
        bird.Birdc("disable", "node");
        await Eventually.HoldsAsync(() => speaker.Sessions.Single().State != BgpSessionState.Established, "our session down");
        await Eventually.HoldsAsync(() => speaker.RouteCount == 0 && Ours(node).Count == 0, "every route gone with the session", () => $"{Ours(node).Count} left");
        Assert.Contains($"{taken} dev eth0 scope link", BgpLab.Ip(node, "route", "show", taken));
    }
}
