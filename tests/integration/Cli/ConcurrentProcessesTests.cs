using System.Net;
using System.Text.Json;
using Xunit;

namespace CniNet.Tests.Integration.Cli;

/// <summary>Many processes allocating from one SQLite file at once, as concurrent CNI invocations on a node do.</summary>
public sealed class ConcurrentProcessesTests
{
    [Fact]
    public async Task Eight_processes_allocating_100_addresses_each_for_one_node_get_800_distinct_addresses_and_a_clean_check()
    {
        await using var t = new TestStore();
        await t.ApplyAsync(Yaml.Pool("pool", "10.50.0.0/16"));
        var processes = Enumerable.Range(0, 8)
            .Select(p => Cninetctl.Start(t.Path, "", "ipam", "assign", "--node", "node-1", "--count", "100", "--handle", $"proc{p}"))
            .ToList();
        var outputs = await Task.WhenAll(processes.Select(async p =>
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, await stderr);
            return await stdout;
        }));
        var addresses = outputs.SelectMany(o => o.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Select(l => IPAddress.Parse(l.Split(' ')[1])).ToList();
        Assert.Equal(800, addresses.Count);
        Assert.Equal(800, addresses.Distinct().Count());

        var reportPath = Path.Combine(t.Directory, "report.json");
        var check = await Cninetctl.RunAsync(t.Path, "", "ipam", "check", "-o", reportPath);
        Assert.Equal(0, check.ExitCode);
        Assert.Contains("found 0 problems", check.Stdout);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(reportPath));
        Assert.Equal(800, report.RootElement.GetProperty("allocated").GetInt32());
        Assert.Equal(800, report.RootElement.GetProperty("handles").GetInt32());
        Assert.Equal(0, report.RootElement.GetProperty("problemCount").GetInt32());
    }
}
