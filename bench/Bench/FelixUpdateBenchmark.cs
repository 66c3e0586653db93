using System.Collections.Immutable;
using System.Diagnostics;
using System.Net;
using CniNet.Felix.Calc;
using CniNet.Felix.Dataplane;
using CniNet.Linux;
using CniNet.Model.Policy;
using CniNet.Model.Resources;

namespace CniNet.Bench;

/// <summary>
/// How long a change takes to reach the kernel through the nftables dataplane, in a node namespace holding a
/// Felix-shaped ruleset: N local endpoints, each selected by a policy of its own with R ingress rules, each rule
/// allowing one TCP port from one of 100 shared selectors. Measured from the new cluster state to <c>nft -f -</c>
/// having committed (render, diff, transaction): one policy rule changed, one endpoint added, one selector membership
/// change (a remote pod relabelled), and the initial program of the whole table. The datastore watch in front of this
/// is not part of it yet. <c>--executor netlink</c> (the default, as <c>cninet-node --felix</c> does) compiles the text
/// into nf_tables netlink batches in this process (<see cref="NetlinkNft"/>); <c>--executor library</c> runs it through
/// libnftables in this process; <c>--executor process</c> runs <c>nft -f -</c> per batch. <c>--ipv6 off</c> writes the
/// IPv4 rules only (Felix's <c>IPv6Support</c>).
/// </summary>
internal static class FelixUpdateBenchmark
{
    private const int Selectors = 100;

    public static Task<int> RunAsync(BenchOptions options)
    {
        var endpoints = options.Int("endpoints", 1000);
        var rules = options.Int("rules", 10);
        var rounds = options.Int("rounds", 20);
        var executor = options.String("executor", "netlink");
        if (executor is not ("process" or "library" or "netlink")) throw new ArgumentException($"--executor {executor}: netlink, library or process");
        var ipv6 = options.String("ipv6", "on") switch
        {
            "on" => true,
            "off" => false,
            var other => throw new ArgumentException($"--ipv6 {other}: on or off"),
        };
        var dataplaneOptions = new NftDataplaneOptions { Ipv6Support = ipv6 };
        using var namespaces = new BenchNamespaces();
        var node = namespaces.Node();
        using var session = executor == "library" ? NftablesSession.Open(node) : null;
        using var socket = executor == "netlink" ? NfTablesSocket.Open(node) : null;
        // A full program of 10,000 endpoints outlasts the dataplane's 30 s default on a busy 2-core machine.
        INftExecutor nft = session is not null ? new InProcessNft(session)
            : socket is not null ? new NetlinkNft(socket)
            : new NftCommand(node, timeout: TimeSpan.FromMinutes(10));
        var timed = new TimedNft(nft);
        Console.WriteLine($"felix-update: {endpoints} endpoints x {rules} rules, {Selectors} shared selectors, {rounds} rounds per change, nft {executor}, ipv6 {(ipv6 ? "on" : "off")}");

        // cninet-node runs the dataplane Native-AOT, compiled ahead: a small full program first compiles this process's
        // code paths (a 10,000-endpoint program otherwise spends some 0.5 s of its time in the JIT).
        var warmUp = Math.Min(endpoints, 100);
        Measure(timed, () => new NftablesDataplane(timed, dataplaneOptions).Apply(Cluster(warmUp, rules), Interfaces(warmUp)));

        var state = Cluster(endpoints, rules);
        var interfaces = Interfaces(endpoints);
        var full = new List<double>();
        var fullNft = new List<double>();
        NftablesDataplane dataplane = null!;
        for (var i = 0; i < 3; i++)
        {
            // A fresh dataplane has no model of the kernel, so it rebuilds the whole table.
            dataplane = new NftablesDataplane(timed, dataplaneOptions);
            full.Add(Measure(timed, () => dataplane.Apply(state, interfaces)));
            fullNft.Add(timed.Ms);
        }
        Console.WriteLine($"  full program: {dataplane.Chains} chains, {dataplane.Rules} rules, median {Stats.F(Stats.Median(full))} ms " +
                          $"(nft {Stats.F(Stats.Median(fullNft))} ms, overlapping the rendering)");

        var policyChange = new List<double>();
        var policyNft = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            state = state.WithGlobalNetworkPolicy(Policy(i % endpoints, rules, firstPort: 2000 + i));
            policyChange.Add(Measure(timed, () => dataplane.Apply(state, interfaces)));
            policyNft.Add(timed.Ms);
        }

        var endpointAdd = new List<double>();
        var endpointNft = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            var index = endpoints + i;
            state = state.WithPod(Pod(index)).WithGlobalNetworkPolicy(Policy(index, rules, firstPort: 1000));
            interfaces = [.. interfaces, Interface(index)];
            endpointAdd.Add(Measure(timed, () => dataplane.Apply(state, interfaces)));
            endpointNft.Add(timed.Ms);
        }

        // Remote pods (no local interface) move between selectors: only set elements change.
        var remote = endpoints + rounds;
        for (var i = 0; i < rounds; i++)
        {
            state = state.WithPod(Pod(remote + i));
        }
        dataplane.Apply(state, interfaces);
        var memberChange = new List<double>();
        var memberNft = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            state = state.WithPodLabels($"bench/p{remote + i}", [new("app", $"app{(i + 1) % Selectors}")]);
            memberChange.Add(Measure(timed, () => dataplane.Apply(state, interfaces)));
            memberNft.Add(timed.Ms);
        }

        Report("policy rule changed", policyChange, policyNft);
        Report("endpoint added", endpointAdd, endpointNft);
        Report("selector member changed", memberChange, memberNft);
        Console.WriteLine($"{{\"bench\":\"felix-update\",\"endpoints\":{endpoints},\"rules\":{rules},\"executor\":\"{executor}\",\"ipv6\":{(ipv6 ? "true" : "false")}," +
                          $"\"policy_change_ms\":{Stats.F(Stats.Median(policyChange))}," +
                          $"\"endpoint_add_ms\":{Stats.F(Stats.Median(endpointAdd))}," +
                          $"\"member_change_ms\":{Stats.F(Stats.Median(memberChange))}," +
                          $"\"full_program_ms\":{Stats.F(Stats.Median(full), 0)}}}");
        return Task.FromResult(0);
    }

    private static double Measure(TimedNft timed, Func<NftApplyResult> apply)
    {
        timed.Reset();
        var clock = Stopwatch.StartNew();
        var result = apply();
        var elapsed = clock.Elapsed.TotalMilliseconds;
        return result.Succeeded ? elapsed : throw new InvalidOperationException(result.Error);
    }

    private static void Report(string change, List<double> total, List<double> nft) =>
        Console.WriteLine($"  {change}: median {Stats.F(Stats.Median(total))} ms, p90 {Stats.F(Stats.Percentile(total, 0.9))} ms " +
                          $"(nft -f - {Stats.F(Stats.Median(nft))} ms, render and diff {Stats.F(Stats.Median(total) - Stats.Median(nft))} ms)");

    private static ClusterState Cluster(int endpoints, int rules)
    {
        // Built whole: adding one pod and one policy at a time would scan the lists each time, O(n²) at 10,000.
        return ClusterState.Empty.WithNamespace("bench", ImmutableDictionary<string, string>.Empty) with
        {
            Pods = [.. Enumerable.Range(0, endpoints).Select(Pod)],
            GlobalNetworkPolicies = [.. Enumerable.Range(0, endpoints).Select(i => Policy(i, rules, firstPort: 1000))],
        };
    }

    private static PodEndpoint Pod(int index) =>
        new("bench", $"p{index}", ImmutableDictionary<string, string>.Empty.Add("app", $"app{index % Selectors}").Add("pod", $"p{index}"),
            new IPAddress([10, (byte)(64 + (index >> 16)), (byte)(index >> 8), (byte)index]), "default", []);

    private static WorkloadInterface Interface(int index) => new($"bench/p{index}", $"cali{index:x11}");

    private static WorkloadInterface[] Interfaces(int endpoints) => [.. Enumerable.Range(0, endpoints).Select(Interface)];

    private static GlobalNetworkPolicy Policy(int index, int rules, int firstPort) =>
        new()
        {
            Metadata = new ObjectMeta { Name = $"ep{index}" },
            Spec = new GlobalNetworkPolicySpec
            {
                Order = 100,
                Selector = $"pod == 'p{index}'",
                Ingress =
                [
                    .. Enumerable.Range(0, rules).Select(r => new Rule
                    {
                        Action = Rule.ActionAllow,
                        Protocol = Protocol.Tcp,
                        Source = new EntityRule { Selector = $"app == 'app{(index + r) % Selectors}'" },
                        Destination = new EntityRule { Ports = [Port.Single((ushort)(firstPort + r))] },
                    }),
                ],
            },
        };

    /// <summary>
    /// The real nft, timing its transactions so that their share of a change can be told apart: the time the
    /// transactions of one apply ran (a full program's overlap its rendering), since <see cref="Reset"/>.
    /// </summary>
    private sealed class TimedNft(INftExecutor nft) : INftExecutor
    {
        private long _ticks;

        public double Ms => TimeSpan.FromTicks(Interlocked.Read(ref _ticks)).TotalMilliseconds;

        public void Reset() => Interlocked.Exchange(ref _ticks, 0);

        public NftRun Run(string script) => Prepare(script)();

        public Func<NftRun> Prepare(string script)
        {
            var clock = Stopwatch.StartNew();
            var commit = nft.Prepare(script);
            Interlocked.Add(ref _ticks, clock.Elapsed.Ticks);
            return () =>
            {
                var run = Stopwatch.StartNew();
                var result = commit();
                Interlocked.Add(ref _ticks, run.Elapsed.Ticks);
                return result;
            };
        }
    }
}
