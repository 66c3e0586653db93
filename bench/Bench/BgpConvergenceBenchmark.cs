using System.Diagnostics;
using CniNet.Bgp.Session;
using CniNet.Bgp.Speaker;
using CniNet.Linux;
using CniNet.Tests;
using CniNet.Tests.Integration.Bgp;

namespace CniNet.Bench;

/// <summary>
/// A BIRD originates N /26s; from session Established, how long until all N are in the sink's RIB and in its kernel,
/// with our speaker as the sink and then, in the same run and lab, a second BIRD as the sink. The sinks run one
/// after the other so they do not share the two cores.
/// </summary>
internal static class BgpConvergenceBenchmark
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var n = options.Int("prefixes", 100_000);
        using var lab = new BgpLab();
        var sourceHost = lab.AddHost("10.99.0.2/24");
        var ourHost = lab.AddHost("10.99.0.1/24");
        var birdHost = lab.AddHost("10.99.0.3/24");
        var routes = string.Join("\n", Enumerable.Range(0, n).Select(i =>
        {
            var v = 0x0B000000u + (uint)i * 64;
            return $"route {v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}/26 blackhole;";
        }));
        using var source = await BirdProcess.StartAsync(sourceHost, $$"""
            router id 10.99.0.2;
            protocol device { }
            protocol static origin { ipv4; {{routes}} }
            template bgp sinks { local 10.99.0.2 as 64512; connect retry time 1; ipv4 { import none; export where proto = "origin"; next hop self; }; }
            protocol bgp speaker from sinks { neighbor 10.99.0.1 as 64512; }
            protocol bgp reference from sinks { neighbor 10.99.0.3 as 64512; }
            """);
        await Eventually.HoldsAsync(() => RouteCount(source.Birdc("show", "route", "count")) >= n, "the source holding every prefix");
        Console.WriteLine($"bgp-convergence: {n} /26s from BIRD over iBGP on a bridge; ours, then a BIRD, as the sink");

        double oursRib, oursKernel;
        await using (var store = new TestStore())
        {
            await store.ApplyAsync(BgpYaml.Join(BgpYaml.Node("bench-node", "ipv4Address: 10.99.0.1/24"), BgpYaml.MeshOff, BgpYaml.Peer("source", "10.99.0.2", 64512)));
            await using var speaker = await BgpSpeaker.StartAsync("bench-node", store.Store, new BgpSpeakerOptions { Namespace = ourHost, ConnectRetry = TimeSpan.FromSeconds(1) });
            var session = speaker.Sessions.Single();
            await WaitAsync(() => Task.FromResult(session.State == BgpSessionState.Established));
            var clock = Stopwatch.StartNew();
            await WaitAsync(() => Task.FromResult(speaker.RouteCount >= n));
            oursRib = clock.Elapsed.TotalSeconds;
            await WaitAsync(() => Task.FromResult(KernelCount(ourHost, BgpSpeakerOptions.DefaultRouteProtocol.ToString()) >= n));
            oursKernel = clock.Elapsed.TotalSeconds;
        }
        Console.WriteLine($"ours: RIB {Stats.F(oursRib, 2)} s, kernel {Stats.F(oursKernel, 2)} s");

        double birdRib, birdKernel;
        using (var sink = await BirdProcess.StartAsync(birdHost, """
            router id 10.99.0.3;
            protocol device { }
            protocol direct { ipv4; interface "eth0"; }
            protocol kernel { ipv4 { import none; export where proto = "upstream"; }; }
            protocol bgp upstream { local 10.99.0.3 as 64512; neighbor 10.99.0.2 as 64512; connect retry time 1; ipv4 { import all; export none; }; }
            """))
        {
            await WaitAsync(() => Task.FromResult(sink.Birdc("show", "protocols", "upstream").Contains("Established")));
            var clock = Stopwatch.StartNew();
            await WaitAsync(() => Task.FromResult(RouteCount(sink.Birdc("show", "route", "count")) >= n));
            birdRib = clock.Elapsed.TotalSeconds;
            await WaitAsync(() => Task.FromResult(KernelCount(birdHost, "bird") >= n));
            birdKernel = clock.Elapsed.TotalSeconds;
        }
        Console.WriteLine($"bird: RIB {Stats.F(birdRib, 2)} s, kernel {Stats.F(birdKernel, 2)} s");
        Console.WriteLine($$"""{"bench":"bgp-convergence","prefixes":{{n}},"ours_rib_s":{{Stats.F(oursRib, 2)}},"ours_kernel_s":{{Stats.F(oursKernel, 2)}},"bird_rib_s":{{Stats.F(birdRib, 2)}},"bird_kernel_s":{{Stats.F(birdKernel, 2)}}}""");
        return 0;
    }

    /// <summary>Polls every 50 ms, as close to the moment as the measurement needs without stealing a core.</summary>
    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the sink did not converge in 10 minutes");
            await Task.Delay(50);
        }
    }

    /// <summary>The first number of <c>birdc show route count</c> ("N of N routes for N networks in table master4").</summary>
    private static int RouteCount(string output)
    {
        foreach (var line in output.Split('\n'))
        {
            var words = line.Trim().Split(' ');
            if (words.Length > 2 && words[1] == "of" && int.TryParse(words[0], out var count)) return count;
        }
        return 0;
    }

    private static int KernelCount(NetworkNamespace host, string protocol) =>
        BgpLab.Ip(host, "route", "show", "proto", protocol).Count(c => c == '\n');
}
