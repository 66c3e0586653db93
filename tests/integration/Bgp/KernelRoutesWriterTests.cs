using System.Net;
using CniNet.Bgp.Speaker;
using CniNet.Linux;
using CniNet.Model.Net;
using Xunit;
using Xunit.Abstractions;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>
/// The kernel writer drains what the RIB queues on its own task: however the wishes and hand-overs interleave, each
/// prefix ends as its last wish, in a real namespace's main table.
/// </summary>
public sealed class KernelRoutesWriterTests(ITestOutputHelper output)
{
    private const int Prefixes = 2_000;

    private static Cidr Prefix(int i) => Cidr.Parse($"11.{i / 256}.{i % 256}.0/24");

    [Fact]
    public async Task Interleaved_announces_withdraws_and_blackholes_end_as_each_prefixs_last_wish_and_dispose_removes_them_all()
    {
        using var lab = new BgpLab();
        var node = lab.AddHost("10.99.0.1/24");
        var nextHops = new[] { IPAddress.Parse("10.99.0.2"), IPAddress.Parse("10.99.0.3") };
        var last = new Dictionary<Cidr, string?>();
        var random = new Random(5);
        var kernel = KernelRoutes.Start(Rtnetlink.OpenIn(node), BgpSpeakerOptions.DefaultRouteProtocol, line => output.WriteLine(line));
        try
        {
            // Rounds of wishes, each handed over without waiting, so the writer takes them while later ones are queued;
            // many prefixes are announced and withdrawn again within one round or across two.
            for (var round = 0; round < 40; round++)
            {
                for (var n = 0; n < 500; n++)
                {
                    var prefix = Prefix(random.Next(Prefixes));
                    switch (random.Next(4))
                    {
                        case 0:
                            kernel.Remove(prefix);
                            last[prefix] = null;
                            break;
                        case 1:
                            kernel.Blackhole(prefix);
                            last[prefix] = $"blackhole {prefix}";
                            break;
                        default:
                            var via = nextHops[random.Next(2)];
                            kernel.Via(prefix, via);
                            last[prefix] = $"{prefix} via {via}";
                            break;
                    }
                }
                _ = kernel.Write();
            }
            await kernel.Write();
            var expected = last.Values.OfType<string>().Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, Ours(node));
        }
        finally
        {
            await kernel.DisposeAsync();
        }
        Assert.Empty(Ours(node));
    }

    /// <summary>Our routes as <c>blackhole P</c> or <c>P via G</c>, sorted.</summary>
    private static List<string> Ours(NetworkNamespace ns) =>
        BgpLab.Ip(ns, "route", "show", "proto", "196").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ') is var w && w[0] == "blackhole" ? $"blackhole {w[1]}" : $"{w[0]} via {w[2]}")
            .Order(StringComparer.Ordinal).ToList();
}
