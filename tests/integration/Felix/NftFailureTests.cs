using System.Collections.Immutable;
using System.Net.Sockets;
using CniNet.Felix.Calc;
using CniNet.Felix.Corpus;
using CniNet.Felix.Dataplane;
using CniNet.Model.Policy;
using CniNet.Model.Resources;
using CniNet.Model.Selectors;
using CniNet.Tests.Integration.Linux;
using Xunit;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// Failures with real traffic: whatever goes wrong in a batch, the ruleset already in the kernel keeps deciding, and
/// the retry brings the kernel to the batch's state.
/// </summary>
public sealed class NftFailureTests
{
    private static readonly string[] Pods = ["x/a", "x/b", "y/a"];

    /// <summary>x/a, x/b and y/a, with x/a open on ingress only to <paramref name="allowedSource"/>.</summary>
    internal static ClusterState OnlyFrom(string allowedSource)
    {
        var state = ClusterState.Empty
            .WithNamespace("x", ImmutableDictionary<string, string>.Empty)
            .WithNamespace("y", ImmutableDictionary<string, string>.Empty);
        foreach (var key in Pods)
        {
            var (ns, name) = (key[..1], key[2..]);
            state = state.WithPod(new PodEndpoint(ns, name, ImmutableDictionary<string, string>.Empty.Add("pod", name),
                CorpusAddressing.PodIp(ns, name), "default", []));
        }
        return state.WithGlobalNetworkPolicy(Policy("projectcalico.org/namespace == 'x' && pod == 'a'", allowedSource));
    }

    private static GlobalNetworkPolicy Policy(string selector, string sourceSelector) =>
        new()
        {
            Metadata = new ObjectMeta { Name = "to-xa" },
            Spec = new GlobalNetworkPolicySpec
            {
                Order = 10,
                Selector = selector,
                Ingress = [new Rule { Action = Rule.ActionAllow, Source = new EntityRule { Selector = sourceSelector } }],
            },
        };

    /// <summary>Whether x/b and whether y/a reach x/a on port 80.</summary>
    internal static async Task<(bool FromXb, bool FromYa)> ReachXaAsync(PolicyNode node, ClusterState state)
    {
        var pods = Pods.Select(key => node.Pod(key, state.FindPod(key)!.Ip)).ToList();
        var matrix = await PolicyNode.ProbeAsync(pods, ProtocolType.Tcp, _ => 80, CorpusTraffic.ConnectTimeout);
        return (matrix[1, 0], matrix[2, 0]);
    }

    [Fact]
    public async Task A_transaction_nft_rejects_leaves_the_previous_ruleset_in_force_and_the_retry_applies_the_batch()
    {
        using var node = new PolicyNode();
        var nft = new SyntaxErrorOnce(node.Nft);
        var dataplane = new NftablesDataplane(nft);
        var fromXb = OnlyFrom("pod == 'b'");
        var fromYa = OnlyFrom("projectcalico.org/namespace == 'y'");
        Assert.True(dataplane.Apply(fromXb, node.Endpoints(fromXb)).Succeeded);
        Assert.Equal((true, false), await ReachXaAsync(node, fromXb));

        nft.Armed = true;
        var failed = dataplane.Apply(fromYa, node.Endpoints(fromYa));

        Assert.False(failed.Succeeded);
        Assert.Contains("syntax error", failed.Error);
        Assert.False(dataplane.InSync);
        Assert.Equal((true, false), await ReachXaAsync(node, fromXb));

        var retried = dataplane.Retry();

        Assert.True(retried.Succeeded, retried.Error);
        Assert.True(retried.FullRewrite);
        Assert.True(dataplane.InSync);
        Assert.Equal((false, true), await ReachXaAsync(node, fromYa));
    }

    [Fact]
    public async Task A_table_deleted_behind_the_dataplanes_back_fails_the_next_batch_and_the_retry_rebuilds_it()
    {
        using var node = new PolicyNode();
        var fromXb = OnlyFrom("pod == 'b'");
        var fromYa = OnlyFrom("projectcalico.org/namespace == 'y'");
        Assert.True(node.Dataplane.Apply(fromXb, node.Endpoints(fromXb)).Succeeded);
        var xa = node.Endpoints(fromXb).Single(e => e.PodKey == "x/a").InterfaceName;
        var (table, _) = FindChain(node, $"tw-{xa}");
        var deleted = TestNamespaces.Exec(node.Host, "nft", "delete", "table", "inet", table);
        Assert.True(deleted.ExitCode == 0, deleted.Stderr);

        // The batch is a difference from x/a's workload table, which is gone: nft refuses all of it, and nothing
        // polices x/a.
        var failed = node.Dataplane.Apply(fromYa, node.Endpoints(fromYa));

        Assert.False(failed.Succeeded);
        Assert.Equal((true, true), await ReachXaAsync(node, fromYa));

        var retried = node.Dataplane.Retry();

        Assert.True(retried.Succeeded, retried.Error);
        Assert.Equal((false, true), await ReachXaAsync(node, fromYa));
    }

    [Theory]
    [InlineData("invalid selector")]
    [InlineData("unknown tier")]
    public async Task A_policy_that_does_not_compile_never_reaches_the_kernel(string fault)
    {
        using var node = new PolicyNode();
        var fromXb = OnlyFrom("pod == 'b'");
        Assert.True(node.Dataplane.Apply(fromXb, node.Endpoints(fromXb)).Succeeded);
        var calls = node.Dataplane.Calls;
        var bad = Policy("projectcalico.org/namespace == 'x' && pod == 'a'", fault == "invalid selector" ? "pod == " : "pod == 'b'");
        bad.Metadata.Name = "bad";
        if (fault == "unknown tier") bad.Spec.Tier = "no-such-tier";
        var invalid = fromXb.WithGlobalNetworkPolicy(bad);

        var error = Assert.ThrowsAny<Exception>(() => node.Dataplane.Apply(invalid, node.Endpoints(invalid)));

        Assert.True(error is SelectorParseException || error.Message.Contains("tier 'no-such-tier', which does not exist"), error.Message);
        Assert.Equal(calls, node.Dataplane.Calls);
        Assert.Equal((true, false), await ReachXaAsync(node, fromXb));
        // The dataplane goes on from the state it had: nothing to write for it.
        Assert.True(node.Dataplane.Apply(fromXb, node.Endpoints(fromXb)).Unchanged);
    }

    [Fact]
    public async Task A_resync_repairs_a_chain_flushed_behind_the_dataplanes_back()
    {
        using var node = new PolicyNode();
        var fromXb = OnlyFrom("pod == 'b'");
        Assert.True(node.Dataplane.Apply(fromXb, node.Endpoints(fromXb)).Succeeded);
        var (table, policyChain) = FindChain(node, "pi-");
        var flushed = TestNamespaces.Exec(node.Host, "nft", "flush", "chain", "inet", table, policyChain);
        Assert.True(flushed.ExitCode == 0, flushed.Stderr);
        Assert.Equal((false, false), await ReachXaAsync(node, fromXb));

        var resynced = node.Dataplane.Resync();

        Assert.True(resynced.Succeeded, resynced.Error);
        Assert.Equal((true, false), await ReachXaAsync(node, fromXb));
    }

    /// <summary>The first chain whose name starts with <paramref name="prefix"/>, and its table, from the kernel's own listing.</summary>
    private static (string Table, string Chain) FindChain(PolicyNode node, string prefix)
    {
        var table = "";
        foreach (var line in TestNamespaces.Exec(node.Host, "nft", "list", "chains", "inet").Stdout.Split('\n').Select(l => l.Trim()))
        {
            var words = line.Split(' ');
            if (line.StartsWith("table inet ", StringComparison.Ordinal)) table = words[2];
            else if (line.StartsWith("chain ", StringComparison.Ordinal) && words[1].StartsWith(prefix, StringComparison.Ordinal)) return (table, words[1]);
        }
        throw new InvalidOperationException($"no chain {prefix}… in the namespace's ruleset");
    }
}
