using CniNet.Tests.Integration.Bgp;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// A <see cref="PolicyNode"/> whose ruleset only the published agent writes: a SQLite store, a
/// <see cref="FelixAgentProcess"/> watching it in the node namespace, and <see cref="Steps"/> writing states into the
/// store. Everything is stopped and deleted on dispose, and on a set-up that fails part-way.
/// </summary>
public sealed class FelixAgentNode : IAsyncDisposable
{
    public const string NodeName = "node-a";

    private FelixAgentNode(PolicyNode node, TestStore store, FelixAgentProcess agent)
    {
        Node = node;
        Store = store;
        Agent = agent;
        Steps = new StoredSteps(store.Store, node, NodeName);
    }

    public PolicyNode Node { get; }

    public TestStore Store { get; }

    public FelixAgentProcess Agent { get; }

    public StoredSteps Steps { get; }

    /// <summary>The node with its agent started and ready (its first batch in the kernel).</summary>
    public static async Task<FelixAgentNode> StartAsync()
    {
        var node = new PolicyNode();
        TestStore? store = null;
        FelixAgentProcess? agent = null;
        try
        {
            store = new TestStore();
            agent = new FelixAgentProcess(node.Host, store.Path, NodeName);
            await Eventually.HoldsAsync(agent.ReadyAsync, "the agent ready", () => agent.Output);
            return new FelixAgentNode(node, store, agent);
        }
        catch
        {
            agent?.Dispose();
            if (store is not null) await store.DisposeAsync();
            node.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Agent.Dispose();
        await Store.DisposeAsync();
        Node.Dispose();
    }
}
