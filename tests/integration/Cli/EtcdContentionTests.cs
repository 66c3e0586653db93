using System.Net;
using System.Text.Json;
using CniNet.Model.Net;
using Xunit;
using Xunit.Abstractions;

namespace CniNet.Tests.Integration.Cli;

/// <summary>
/// Many nodes allocating at once against one etcd, each from its own <c>cninetctl</c> process (the published AOT
/// executable, <c>DATASTORE_TYPE=etcdv3</c>). One process per node runs <c>ipam assign --count 20</c>: twenty
/// separate assignments, one handle each, as twenty pod ADDs would make, without paying twenty process starts.
/// </summary>
public sealed class EtcdContentionTests(EtcdServer etcd, ITestOutputHelper output) : IClassFixture<EtcdServer>
{
    private const int Nodes = 50;
    private const int PodsPerNode = 20;

    [Fact]
    public async Task Fifty_node_processes_allocating_20_addresses_each_get_1000_distinct_pool_addresses_and_a_clean_check()
    {
        // /29 blocks (8 addresses) in a /20: each node claims three blocks, and nodes whose search starts lie close
        // together race for the same blocks, so lost compare-and-swaps really happen and are retried.
        var pool = Cidr.Parse("10.60.0.0/20");
        var apply = await Cninetctl.RunOnEtcdAsync([etcd.Endpoint], Yaml.Pool("contention", pool.ToString(), blockSize: 29), "apply", "-f", "-");
        Assert.True(apply.ExitCode == 0, apply.Stderr);

        var processes = Enumerable.Range(0, Nodes)
            .Select(n => Cninetctl.StartOnEtcd([etcd.Endpoint], "", "ipam", "assign", "--node", $"node-{n:00}", "--count", $"{PodsPerNode}",
                "--handle", $"node-{n:00}-pod", "--conflicts"))
            .ToList();
        var results = await Task.WhenAll(processes.Select(async p =>
        {
            using (p)
            {
                var stdout = p.StandardOutput.ReadToEndAsync();
                var stderr = p.StandardError.ReadToEndAsync();
                await p.WaitForExitAsync();
                Assert.True(p.ExitCode == 0, await stderr);
                return (Stdout: await stdout, Stderr: await stderr);
            }
        }));

        var assigned = results.SelectMany(r => r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Select(l => l.Split(' ')).Select(f => (Handle: f[0], Address: IPAddress.Parse(f[1]))).ToList();
        Assert.Equal(Nodes * PodsPerNode, assigned.Count);
        Assert.Equal(Nodes * PodsPerNode, assigned.Select(a => a.Address).Distinct().Count());
        Assert.Equal(Nodes * PodsPerNode, assigned.Select(a => a.Handle).Distinct().Count());
        Assert.All(assigned, a => Assert.True(pool.Contains(a.Address), $"{a.Address} is outside {pool}"));

        // Every process reports the lost races its client retried (how many is up to the scheduler, so not asserted).
        var conflicts = results.Sum(r => long.Parse(r.Stderr.Split('\n').Single(l => l.StartsWith("conflicts: ", StringComparison.Ordinal))["conflicts: ".Length..]));
        output.WriteLine($"{Nodes} nodes x {PodsPerNode} assignments: {conflicts} lost compare-and-swaps retried");

        var reportPath = Path.Combine(Path.GetTempPath(), $"cninet-contention-{Guid.NewGuid():N}.json");
        try
        {
            var check = await Cninetctl.RunOnEtcdAsync([etcd.Endpoint], "", "ipam", "check", "-o", reportPath);
            Assert.True(check.ExitCode == 0, check.Stderr);
            Assert.Contains("found 0 problems", check.Stdout);
            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(reportPath));
            Assert.Equal(Nodes * PodsPerNode, report.RootElement.GetProperty("allocated").GetInt32());
            Assert.Equal(Nodes * PodsPerNode, report.RootElement.GetProperty("handles").GetInt32());
            Assert.Equal(0, report.RootElement.GetProperty("problemCount").GetInt32());
        }
        finally
        {
            File.Delete(reportPath);
        }
    }
}
