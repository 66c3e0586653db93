using CniNet.Felix.Corpus;
using Xunit;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// The network-policy corpus with real packets: each case's pods in network namespaces on one node, each step's
/// ruleset written by the nftables dataplane (incrementally, from whatever the previous case left), every TCP and UDP
/// probe matrix probed. All k8s-e2e cases with TCP or UDP probes and all calico cases run every time; cyclonus runs a
/// sample by default and every case with <c>CNINET_FULL=1</c> (<c>./test.sh --full</c>).
/// </summary>
public sealed class NetpolTrafficTests(PolicyNode node) : IClassFixture<PolicyNode>
{
    private const int CyclonusSampleEvery = 10;

    public static TheoryData<string> KubernetesAndCalicoCases()
    {
        var data = new TheoryData<string>();
        foreach (var testCase in NetpolCorpus.File.Cases.Where(c => c.Suite is "k8s-e2e" or "calico" && CorpusTraffic.HasProbedTraffic(c)))
        {
            data.Add(testCase.Id);
        }
        return data;
    }

    public static TheoryData<string> CyclonusCases()
    {
        var full = Environment.GetEnvironmentVariable("CNINET_FULL") == "1";
        var data = new TheoryData<string>();
        var cases = NetpolCorpus.File.Cases.Where(c => c.Suite == "cyclonus" && CorpusTraffic.HasProbedTraffic(c)).ToList();
        for (var i = 0; i < cases.Count; i++)
        {
            if (full || i % CyclonusSampleEvery == 0) data.Add(cases[i].Id);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(KubernetesAndCalicoCases))]
    public Task Kubernetes_and_calico_cases_reproduce_their_matrices_with_real_traffic(string id) => AssertCaseAsync(id);

    [Theory]
    [MemberData(nameof(CyclonusCases))]
    public Task Cyclonus_cases_reproduce_their_matrices_with_real_traffic(string id) => AssertCaseAsync(id);

    private async Task AssertCaseAsync(string id)
    {
        var testCase = NetpolCorpus.AliasedInitialLabels.Contains(id)
            ? NetpolCorpus.WithDocumentedInitialLabels(id)
            : NetpolCorpus.File.Cases.Single(c => c.Id == id);
        var mismatches = await CorpusTraffic.RunAsync(node, testCase);
        Assert.True(mismatches.Count == 0,
            $"{id}:\n{string.Join('\n', mismatches)}\n--- ruleset ---\n{CorpusTraffic.ListTable(node)}");
    }
}
