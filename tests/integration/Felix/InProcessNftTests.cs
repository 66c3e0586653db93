using CniNet.Felix.Dataplane;
using Xunit;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// The dataplane through libnftables in the test process instead of nft processes: the same corpus matrices with real
/// traffic (every calico case and the multi-step k8s-e2e ones, on one node, so batches are incremental; IPv4 rules
/// only, as with Felix's IPv6Support off), and a rejected transaction that changes nothing.
/// </summary>
public sealed class InProcessNftTests
{
    [Fact]
    public async Task Calico_and_multi_step_cases_reproduce_their_matrices_through_libnftables()
    {
        using var node = PolicyNode.WithInProcessNft(new NftDataplaneOptions { Ipv6Support = false });
        var cases = NetpolCorpus.File.Cases
            .Where(c => c.Suite == "calico" || (c.Suite == "k8s-e2e" && c.Steps.Count > 1 && !NetpolCorpus.AliasedInitialLabels.Contains(c.Id)))
            .Where(CorpusTraffic.HasProbedTraffic)
            .ToList();
        var failures = new List<string>();
        foreach (var testCase in cases)
        {
            failures.AddRange((await CorpusTraffic.RunAsync(node, testCase)).Select(line => $"{testCase.Id} {line}"));
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True(cases.Count > 30, $"only {cases.Count} cases");
    }

    [Fact]
    public void A_rejected_script_reports_nfts_error_and_changes_nothing()
    {
        using var node = PolicyNode.WithInProcessNft();

        var run = node.Nft.Run("add table inet calico\nadd chain inet calico c\nadd rule inet calico c this is not nft\n");

        Assert.False(run.Succeeded);
        Assert.Contains("syntax error", run.Error);
        var listed = Linux.TestNamespaces.Exec(node.Host, "nft", "list", "tables");
        Assert.DoesNotContain("calico", listed.Stdout);
    }
}
