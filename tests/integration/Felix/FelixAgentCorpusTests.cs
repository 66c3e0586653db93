using CniNet.Felix.Corpus;
using Xunit;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// The k8s-e2e and calico cases of the policy corpus with real TCP and UDP, each step's state written to the store
/// (namespaces, the pods' WorkloadEndpoints, Kubernetes NetworkPolicies, Calico tiers, policies and network sets) and
/// taken to the kernel by the published agent alone:
/// store writes → watch → calculation → one nft batch. The cases share one agent, as they share one node.
/// </summary>
public sealed class FelixAgentCorpusTests(FelixAgentCorpusTests.Fixture fixture) : IClassFixture<FelixAgentCorpusTests.Fixture>
{
    /// <summary>How long a step's matrices may take to agree while the agent picks the step up; a bound, not a measure.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    public static TheoryData<string> KubernetesAndCalicoCases()
    {
        var data = new TheoryData<string>();
        foreach (var testCase in NetpolCorpus.File.Cases.Where(c => c.Suite is "k8s-e2e" or "calico" && CorpusTraffic.HasProbedTraffic(c)))
        {
            data.Add(testCase.Id);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(KubernetesAndCalicoCases))]
    public async Task Kubernetes_and_calico_cases_reproduce_their_matrices_through_the_agent(string id)
    {
        var agentNode = fixture.AgentNode;
        var testCase = NetpolCorpus.AliasedInitialLabels.Contains(id)
            ? NetpolCorpus.WithDocumentedInitialLabels(id)
            : NetpolCorpus.File.Cases.Single(c => c.Id == id);
        var mismatches = await CorpusTraffic.RunAsync(agentNode.Node, testCase, async state =>
        {
            await agentNode.Steps.WriteAsync(state);
            return null;
        }, Settle);
        Assert.True(mismatches.Count == 0,
            $"{id}:\n{string.Join('\n', mismatches)}\n--- agent ---\n{agentNode.Agent.Output}\n--- ruleset ---\n{CorpusTraffic.ListTable(agentNode.Node)}");
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private FelixAgentNode? _agentNode;

        public FelixAgentNode AgentNode => _agentNode ?? throw new InvalidOperationException("the agent node did not start");

        public async Task InitializeAsync() => _agentNode = await FelixAgentNode.StartAsync();

        public async Task DisposeAsync()
        {
            if (_agentNode is not null) await _agentNode.DisposeAsync();
        }
    }
}
