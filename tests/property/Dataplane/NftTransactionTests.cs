using System.Collections.Immutable;
using System.Text.RegularExpressions;
using CniNet.Felix.Calc;
using CniNet.Felix.Dataplane;
using CniNet.Model.Policy;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using static CniNet.Tests.Property.Policy.PolicyFixtures;

namespace CniNet.Tests.Property.Dataplane;

/// <summary>
/// What the nftables dataplane writes per batch, without a kernel: the first batch rebuilds the table, later batches
/// write only the difference from the model of what was written, and a failure makes the next write a rebuild.
/// </summary>
public sealed class NftTransactionTests
{
    private const string XA = "projectcalico.org/namespace == 'x' && pod == 'a'";

    // Local pods: x/a and x/b; the rest of the cluster is remote (members of sets only).
    private static readonly WorkloadInterface[] Local =
        [new("x/a", "cali0000000x0a"), new("x/b", "cali0000000x0b")];

    private static ClusterState WithPolicy(string allowFrom) =>
        Cluster().WithGlobalNetworkPolicy(Gnp("to-xa", "default", 10, XA, Allow(allowFrom)));

    [Fact]
    public void First_batch_rebuilds_each_table_in_a_transaction_of_its_own_the_main_table_last()
    {
        var nft = new RecordingNft();
        var result = nft.Record(() => new NftablesDataplane(nft).Apply(WithPolicy("pod == 'b'"), Local));

        Assert.True(result.Succeeded);
        Assert.True(result.FullRewrite);
        // Every workload table in turn, whether it holds an endpoint or not, then the main table.
        string[] tables = [.. Enumerable.Range(0, TableLayout.WorkloadTables).Select(i => TableLayout.WorkloadTable("calico", i)), "calico"];
        Assert.Equal(tables.Length, nft.Calls[0].Length);
        for (var i = 0; i < tables.Length; i++)
        {
            var script = nft.Calls[0][i].Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal([$"add table inet {tables[i]}", $"delete table inet {tables[i]}", $"add table inet {tables[i]}"], script[..3]);
            Assert.All(script, l => Assert.Contains($" inet {tables[i]}", l));
        }
        var lines = nft.Lines(0);
        var a = TableLayout.WorkloadTable("calico", "cali0000000x0a");
        Assert.Contains(lines, l => l.StartsWith($"add element inet {a} to-wl {{ \"cali0000000x0a\" : goto tw-cali0000000x0a", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"add rule inet {a} tw-cali0000000x0a counter jump pi-", StringComparison.Ordinal));
        // x/b has no policy: its interface goes straight to its namespace's profile.
        var b = TableLayout.WorkloadTable("calico", "cali0000000x0b");
        Assert.Contains($"add element inet {b} to-wl {{ \"cali0000000x0b\" : goto pri-kns.x }}", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith($"add chain inet {b} tw-", StringComparison.Ordinal));
        // The main table drops what comes from a workload interface no workload table knows.
        Assert.Contains("add element inet calico wl-ifaces { \"cali0000000x0a\", \"cali0000000x0b\" }", lines);
    }

    [Fact]
    public void Each_workload_table_holds_its_endpoints_and_copies_of_what_they_use_and_the_main_table_the_rest()
    {
        // x/a and x/b hash to different workload tables; the policy selects both.
        var state = Cluster().WithGlobalNetworkPolicy(Gnp("to-x", "default", 10, "projectcalico.org/namespace == 'x'", Allow("pod == 'c'")));
        var nft = new RecordingNft();
        nft.Record(() => new NftablesDataplane(nft).Apply(state, Local));

        var lines = nft.Lines(0);
        var a = TableLayout.WorkloadTable("calico", "cali0000000x0a");
        var b = TableLayout.WorkloadTable("calico", "cali0000000x0b");
        Assert.NotEqual(a, b);
        string[] Chains(string table) =>
            [.. lines.Where(l => l.StartsWith($"add chain inet {table} ", StringComparison.Ordinal)).Select(l => l.Split(' ')[4])];
        Assert.Contains("tw-cali0000000x0a", Chains(a));
        Assert.DoesNotContain("tw-cali0000000x0b", Chains(a));
        Assert.Contains("tw-cali0000000x0b", Chains(b));
        var policy = Assert.Single(Chains(a), name => name.StartsWith("pi-", StringComparison.Ordinal));
        Assert.Contains(policy, Chains(b));
        Assert.Contains(lines, l => Regex.IsMatch(l, $@"^add set inet {a} s4-[0-9a-f]{{16}} "));
        Assert.Contains(lines, l => Regex.IsMatch(l, $@"^add set inet {b} s4-[0-9a-f]{{16}} "));
        // Tables with no endpoint have their hooks and empty maps only; the main table has the input and forward hooks.
        Assert.Equal(["filter-POSTROUTING", "filter-PREROUTING"], Chains("calico-wl0").Order(StringComparer.Ordinal));
        Assert.DoesNotContain(Chains("calico"), name => name.StartsWith("tw-", StringComparison.Ordinal) || name.StartsWith("pi-", StringComparison.Ordinal));
        Assert.Contains("filter-INPUT", Chains("calico"));
    }

    [Fact]
    public void Same_state_again_runs_nothing()
    {
        var nft = new RecordingNft();
        var dataplane = new NftablesDataplane(nft);
        nft.Record(() => dataplane.Apply(WithPolicy("pod == 'b'"), Local));

        var again = nft.Record(() => dataplane.Apply(WithPolicy("pod == 'b'"), Local));

        Assert.True(again.Unchanged);
        Assert.Empty(nft.Calls[1]);
    }

    [Fact]
    public void One_changed_rule_rewrites_only_its_policy_chain()
    {
        var nft = new RecordingNft();
        var dataplane = new NftablesDataplane(nft);
        var state = WithPolicy("pod == 'b'");
        nft.Record(() => dataplane.Apply(state, Local));

        var changed = Cluster().WithGlobalNetworkPolicy(Gnp("to-xa", "default", 10, XA,
            new Rule { Action = Rule.ActionAllow, Protocol = Protocol.Tcp, Source = new() { Selector = "pod == 'b'" },
                Destination = new() { Ports = [Port.Single(8080)] } }));
        var result = nft.Record(() => dataplane.Apply(changed, Local));

        Assert.Equal(1, result.ChainsWritten);
        Assert.False(result.FullRewrite);
        var lines = nft.Lines(1);
        var flushed = Assert.Single(lines, l => l.StartsWith("flush chain", StringComparison.Ordinal));
        Assert.StartsWith($"flush chain inet {TableLayout.WorkloadTable("calico", "cali0000000x0a")} pi-", flushed);
        Assert.DoesNotContain(lines, l => l.StartsWith("add chain", StringComparison.Ordinal) || l.StartsWith("delete", StringComparison.Ordinal));
        Assert.All(lines.Where(l => l.StartsWith("add rule", StringComparison.Ordinal)), l => Assert.Contains("th dport 8080", l));
    }

    [Fact]
    public void A_remote_pod_joining_a_selector_is_one_set_element()
    {
        var nft = new RecordingNft();
        var dataplane = new NftablesDataplane(nft);
        var state = WithPolicy("role == 'client'").WithPodLabelsAdded("x/b", [new("role", "client")]);
        nft.Record(() => dataplane.Apply(state, Local));

        var result = nft.Record(() => dataplane.Apply(state.WithPodLabelsAdded("z/c", [new("role", "client")]), Local));

        Assert.Equal(0, result.ChainsWritten);
        var line = Assert.Single(nft.Lines(1));
        Assert.Matches(@"^add element inet calico-wl\d s4-[0-9a-f]{16} \{ 192\.168\.3\.30 \}$", line);
    }

    [Fact]
    public void A_rule_whose_selector_matches_nothing_is_written_when_its_first_member_joins()
    {
        var nft = new RecordingNft();
        var dataplane = new NftablesDataplane(nft);
        nft.Record(() => dataplane.Apply(WithPolicy("role == 'client'"), Local));
        // The policy's chain exists but holds no rule: no address can match an empty set, in either family.
        Assert.DoesNotContain(nft.Lines(0), l => Regex.IsMatch(l, @"^add rule inet calico-wl\d pi-"));

        var result = nft.Record(() => dataplane.Apply(WithPolicy("role == 'client'").WithPodLabelsAdded("z/c", [new("role", "client")]), Local));

        // The policy chain, and the chain its Allow goes to, which its table did not need before.
        Assert.Equal(2, result.ChainsWritten);
        Assert.Contains(nft.Lines(1), l => Regex.IsMatch(l, $@"^add rule inet calico-wl\d {RuleRenderer.AcceptChain} "));
        var lines = nft.Lines(1);
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^flush chain inet calico-wl\d pi-"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^add element inet calico-wl\d s4-"));
        // z/c has an IPv4 address only: the IPv6 copy of the rule still cannot match, and is still not written.
        var rule = Assert.Single(lines, l => Regex.IsMatch(l, @"^add rule inet calico-wl\d pi-"));
        Assert.Matches(@" ip saddr @s4-[0-9a-f]{16} ", rule);

        nft.Record(() => dataplane.Apply(WithPolicy("role == 'client'"), Local));
        Assert.DoesNotContain(nft.Lines(2), l => Regex.IsMatch(l, @"^add rule inet calico-wl\d pi-"));
        Assert.Contains(nft.Lines(2), l => Regex.IsMatch(l, @"^flush chain inet calico-wl\d pi-"));
    }

    [Fact]
    public void Removing_a_local_pod_deletes_its_map_elements_before_its_chains()
    {
        var nft = new RecordingNft();
        var dataplane = new NftablesDataplane(nft);
        // Both pods have a policy, so both have chains.
        var state = Cluster().WithGlobalNetworkPolicy(Gnp("to-x", "default", 10, "projectcalico.org/namespace == 'x'", Allow("pod == 'c'")));
        nft.Record(() => dataplane.Apply(state, Local));

        nft.Record(() => dataplane.Apply(state, Local[..1]));

        var lines = nft.Lines(1).ToList();
        var b = TableLayout.WorkloadTable("calico", "cali0000000x0b");
        var element = lines.FindIndex(l => l.StartsWith($"delete element inet {b} to-wl {{ \"cali0000000x0b\" }}", StringComparison.Ordinal));
        var chain = lines.FindIndex(l => l == $"delete chain inet {b} tw-cali0000000x0b");
        Assert.InRange(element, 0, chain - 1);
        Assert.Contains($"flush chain inet {b} tw-cali0000000x0b", lines[..chain]);
        Assert.Contains("delete element inet calico wl-ifaces { \"cali0000000x0b\" }", lines);
    }

    [Fact]
    public void Overlapping_nets_are_written_without_overlap()
    {
        var state = Cluster()
            .WithGlobalNetworkSet(new GlobalNetworkSet
            {
                Metadata = new() { Name = "wide", Labels = new() { ["role"] = "client" } },
                Spec = new GlobalNetworkSetSpec { Nets = ["192.168.0.0/16", "10.0.0.0/8", "10.1.0.0/16"] },
            })
            .WithPodLabelsAdded("z/c", [new("role", "client")])
            .WithGlobalNetworkPolicy(Gnp("to-xa", "default", 10, XA, Allow("role == 'client'")));
        var nft = new RecordingNft();

        nft.Record(() => new NftablesDataplane(nft).Apply(state, Local));

        Assert.Contains(nft.Lines(0), l => l.EndsWith("{ 10.0.0.0/8, 192.168.0.0/16 }", StringComparison.Ordinal));
    }

    [Fact]
    public void After_a_failed_transaction_the_retry_rebuilds_the_table()
    {
        var nft = new RecordingNft();
        var dataplane = new NftablesDataplane(nft);
        nft.Record(() => dataplane.Apply(WithPolicy("pod == 'b'"), Local));
        nft.FailNext = 1;

        var failed = nft.Record(() => dataplane.Apply(WithPolicy("pod == 'c'"), Local));

        Assert.False(failed.Succeeded);
        Assert.Contains("No such file or directory", failed.Error);
        Assert.False(dataplane.InSync);
        Assert.Equal(1, dataplane.Failures);

        var retried = nft.Record(dataplane.Retry);

        Assert.True(retried.Succeeded);
        Assert.True(retried.FullRewrite);
        Assert.True(dataplane.InSync);
        // One transaction over every table, as the retry knows nothing of what the failed one left.
        var retry = Assert.Single(nft.Calls[2]);
        Assert.Equal(TableLayout.WorkloadTables + 1, retry.Split('\n').Count(l => l.StartsWith("delete table ", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_program_stops_at_a_failed_table_and_the_retry_rebuilds_every_table()
    {
        var nft = new RecordingNft();
        var dataplane = new NftablesDataplane(nft);
        nft.FailAfter(3);

        var failed = nft.Record(() => dataplane.Apply(WithPolicy("pod == 'b'"), Local));

        Assert.False(failed.Succeeded);
        Assert.False(dataplane.InSync);
        // The fourth table's transaction failed: no later table, and not the main table, was written.
        Assert.Equal(4, nft.Calls[0].Length);
        Assert.DoesNotContain(nft.Lines(0), l => l.Contains(" inet calico ", StringComparison.Ordinal));

        var retried = nft.Record(dataplane.Retry);

        Assert.True(retried.Succeeded);
        Assert.True(dataplane.InSync);
        var retry = Assert.Single(nft.Calls[1]);
        Assert.Equal(TableLayout.WorkloadTables + 1, retry.Split('\n').Count(l => l.StartsWith("delete table ", StringComparison.Ordinal)));
        Assert.Contains("add element inet calico wl-ifaces { \"cali0000000x0a\", \"cali0000000x0b\" }", retry.Split('\n'));
    }

    [Fact]
    public void Resync_rewrites_the_whole_table_from_the_last_batch()
    {
        var nft = new RecordingNft();
        var dataplane = new NftablesDataplane(nft);
        Assert.True(nft.Record(dataplane.Resync).Unchanged);
        nft.Record(() => dataplane.Apply(WithPolicy("pod == 'b'"), Local));

        var resynced = nft.Record(dataplane.Resync);

        Assert.True(resynced.FullRewrite);
        // The program's transactions in one: the same lines.
        Assert.Single(nft.Calls[2]);
        Assert.Equal(nft.Lines(1).Order(StringComparer.Ordinal), nft.Lines(2).Order(StringComparer.Ordinal));
        Assert.True(nft.Record(() => dataplane.Apply(WithPolicy("pod == 'b'"), Local)).Unchanged);
    }

    [Fact]
    public void Without_ipv6_support_only_ipv4_rules_and_sets_are_written()
    {
        var nft = new RecordingNft();
        nft.Record(() => new NftablesDataplane(nft, new NftDataplaneOptions { Ipv6Support = false }).Apply(WithPolicy("pod == 'b'"), Local));

        var lines = nft.Lines(0);
        Assert.Contains(lines, l => l.Contains("ip saddr @s4-", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("ip6 ", StringComparison.Ordinal) || l.Contains(" s6-", StringComparison.Ordinal));
    }

    [Fact]
    public void A_transaction_over_several_tables_is_each_tables_part_in_order()
    {
        var renderer = new RulesetRenderer(new NftDataplaneOptions());
        var layout = new TableLayout(new NftDataplaneOptions());
        var first = layout.Split(renderer.Render(WithPolicy("pod == 'b'"), Local));
        var second = layout.Split(renderer.Render(WithPolicy("pod == 'c'").WithGlobalNetworkPolicy(Gnp("to-x", "default", 20, "projectcalico.org/namespace == 'x'", Allow("pod == 'a'"))), Local));

        foreach (var (written, desired) in new[] { (null, first), (first, second) })
        {
            var whole = NftTransaction.Between(written, desired);
            var parts = desired.Select(table => NftTransaction.Between(table.Key, written?.GetValueOrDefault(table.Key), table.Value)).ToList();
            Assert.Equal(string.Concat(parts.Select(part => part.Script)), whole.Script);
            Assert.Equal(parts.Sum(part => part.ChainsWritten), whole.ChainsWritten);
            Assert.Equal(parts.Sum(part => part.SetsWritten), whole.SetsWritten);
            Assert.Equal(parts.Sum(part => part.ElementsChanged), whole.ElementsChanged);
            Assert.Contains("add rule inet ", whole.Script, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_changed_set_deletes_exactly_the_elements_it_lost_then_adds_exactly_those_it_gained() =>
        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(300),
            Prop.ForAll(Gen.Choose(0, 1199).ArrayOf().ToArbitrary(), Gen.Choose(0, 1199).ArrayOf().ToArbitrary(), (before, after) =>
            {
                ImmutableSortedSet<string> Elements(int[] hosts) => [.. hosts.Select(h => $"10.{h / 256}.{h % 256}.0/24")];
                NftRuleset Holding(ImmutableSortedSet<string> elements) =>
                    NftRuleset.Empty with { Sets = NftRuleset.Empty.Sets.Add("s4-set", new NftSet("ipv4_addr", Interval: true, elements)) };
                var (old, wanted) = (Elements(before), Elements(after));

                var lines = NftTransaction.Between("calico", Holding(old), Holding(wanted)).Script.Split('\n', StringSplitOptions.RemoveEmptyEntries);

                string[] Listed(string verb) =>
                [
                    .. lines.Where(l => l.StartsWith($"{verb} element inet calico s4-set {{ ", StringComparison.Ordinal))
                        .SelectMany(l => l[(l.IndexOf('{') + 2)..^2].Split(", ")),
                ];
                Assert.Equal(old.Except(wanted), Listed("delete"));
                Assert.Equal(wanted.Except(old), Listed("add"));
                Assert.All(lines, l => Assert.True(l.Split(", ").Length <= 500));
                if (old.Except(wanted).Count > 0 && wanted.Except(old).Count > 0)
                    Assert.True(Array.FindLastIndex(lines, l => l.StartsWith("delete", StringComparison.Ordinal)) < Array.FindIndex(lines, l => l.StartsWith("add", StringComparison.Ordinal)));
            }));
}
