using CniNet.Bgp.Speaker;
using CniNet.IpamCore;
using CniNet.Linux;
using CniNet.Model.Net;
using Xunit.Abstractions;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>What the speaker tests share: claiming blocks the way pods do, and speaker options for a test namespace.</summary>
public static class Blocks
{
    /// <summary>Assigns one pod address on <paramref name="node"/>, which claims and confirms a block for it (a /26, or a /122 for IPv6).</summary>
    public static async Task<Cidr> ClaimAsync(TestStore store, string node, bool v6 = false)
    {
        var (r4, r6) = await store.Ipam().AutoAssignAsync(new AutoAssignArgs { Hostname = node, HandleId = $"pod-{node}", Num4 = v6 ? 0 : 1, Num6 = v6 ? 1 : 0 });
        return v6 ? Cidr.Containing(r6.IPs[0].NetworkAddress, 122) : Cidr.Containing(r4.IPs[0].NetworkAddress, 26);
    }

    /// <summary>
    /// A speaker working in <paramref name="ns"/> with a short connect retry, logging to the test output. The periodic
    /// resync is pushed out of the tests' reach so every resource change they make has to arrive by watch.
    /// </summary>
    public static BgpSpeakerOptions Options(NetworkNamespace ns, ITestOutputHelper output, string? prefix = null) => new()
    {
        Namespace = ns,
        ConnectRetry = TimeSpan.FromSeconds(1),
        ResyncInterval = TimeSpan.FromHours(1),
        Log = line =>
        {
            try
            {
                output.WriteLine(prefix is null ? line : $"{prefix}: {line}");
            }
            catch (InvalidOperationException)
            {
                // The test has finished; late session reports have nowhere to go.
            }
        },
    };
}
