using CniNet.Felix.Agent;
using CniNet.Tests.Integration.Bgp;
using CniNet.Tests.Integration.Linux;
using Xunit;
using static CniNet.Tests.Integration.Felix.NftFailureTests;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// The agent's loop in this process, on a real store and the node namespace's real nft: a failed batch is retried
/// until the kernel has the state, a burst written in one commit is one batch, and the periodic refresh repairs a
/// table deleted behind the agent's back. Traffic decides each outcome.
/// </summary>
public sealed class FelixAgentLoopTests
{
    private const string NodeName = FelixAgentNode.NodeName;

    [Fact]
    public async Task A_batch_nft_rejects_is_retried_until_the_kernel_has_the_state()
    {
        using var node = new PolicyNode();
        await using var store = new TestStore();
        var onlyFromXb = OnlyFrom("pod == 'b'");
        await new StoredSteps(store.Store, node, NodeName).WriteAsync(onlyFromXb);

        await using var agent = FelixAgent.Start(NodeName, store.Store, new SyntaxErrorOnce(node.Nft) { Armed = true });

        await Eventually.HoldsAsync(() => agent.Status.Ready, "the agent ready after its retry");
        Assert.Equal(1, agent.Status.NftErrors);
        Assert.Equal(1, agent.Status.DataplaneFailures);
        Assert.Equal((true, false), await ReachXaAsync(node, onlyFromXb));
    }

    [Fact]
    public async Task Changes_of_several_kinds_written_in_one_commit_are_one_batch()
    {
        using var node = new PolicyNode();
        await using var store = new TestStore();
        var steps = new StoredSteps(store.Store, node, NodeName);
        var onlyFromXb = OnlyFrom("pod == 'b'");
        await steps.WriteAsync(onlyFromXb);
        await using var agent = FelixAgent.Start(NodeName, store.Store, node.Nft,
            new FelixAgentOptions { CoalesceDelay = TimeSpan.FromSeconds(1), MaxCoalesceDelay = TimeSpan.FromSeconds(5) });
        await Eventually.HoldsAsync(() => agent.Status.Ready, "the agent ready");
        Assert.Equal((true, false), await ReachXaAsync(node, onlyFromXb));
        var calls = agent.Status.NftCalls;

        // A policy, an endpoint's labels and a namespace's labels change in one commit: three watches see them.
        var onlyFromY = OnlyFrom("projectcalico.org/namespace == 'y'")
            .WithPodLabelsAdded("x/b", [new("role", "db")])
            .WithNamespaceLabelsAdded("y", [new("team", "a")]);
        await steps.WriteAsync(onlyFromY);

        await Eventually.HoldsAsync(async () => await ReachXaAsync(node, onlyFromY) == (false, true), "only y/a reaches x/a");
        Assert.Equal(calls + 1, agent.Status.NftCalls);
    }

    [Fact]
    public async Task The_periodic_refresh_rebuilds_a_table_deleted_behind_the_agents_back()
    {
        using var node = new PolicyNode();
        await using var store = new TestStore();
        var onlyFromXb = OnlyFrom("pod == 'b'");
        await new StoredSteps(store.Store, node, NodeName).WriteAsync(onlyFromXb);
        await using var agent = FelixAgent.Start(NodeName, store.Store, node.Nft,
            new FelixAgentOptions { RefreshInterval = TimeSpan.FromSeconds(2) });
        await Eventually.HoldsAsync(() => agent.Status.Ready, "the agent ready");
        var calls = agent.Status.NftCalls;

        var deleted = TestNamespaces.Exec(node.Host, "nft", "delete", "table", "inet", "calico");
        Assert.True(deleted.ExitCode == 0, deleted.Stderr);

        await Eventually.HoldsAsync(() => agent.Status.NftCalls > calls && TestNamespaces.Exec(node.Host, "nft", "list", "table", "inet", "calico").ExitCode == 0,
            "the refresh wrote the table again");
        Assert.Equal((true, false), await ReachXaAsync(node, onlyFromXb));
    }
}
