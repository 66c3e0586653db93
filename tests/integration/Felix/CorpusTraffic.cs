using System.Net.Sockets;
using System.Text;
using CniNet.Felix.Calc;
using CniNet.Felix.Corpus;
using CniNet.Felix.Policy;
using CniNet.Model.Policy;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// Replays a <c>netpol-cases/v1</c> case on a <see cref="PolicyNode"/> with real packets: per step, the step's state
/// goes through the nftables dataplane, every TCP and UDP probe matrix is probed with real traffic (a TCP connection;
/// a UDP datagram and its echo), and each cell is compared with the case's expectation and with the verdict function
/// (the oracle). SCTP probes are not replayed: the test process cannot open SCTP sockets.
/// </summary>
public static class CorpusTraffic
{
    /// <summary>Long enough for an allowed exchange on a loaded machine; a dropped packet always takes all of it.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1.5);

    /// <summary>Whether the case has anything for this harness to probe.</summary>
    public static bool HasProbedTraffic(NetpolCase testCase) =>
        testCase.Steps.Any(step => step.Probes.Any(IsProbed));

    /// <summary>Every disagreement, one line each; empty when the dataplane, the corpus and the oracle agree.</summary>
    public static Task<IReadOnlyList<string>> RunAsync(PolicyNode node, NetpolCase testCase) =>
        RunAsync(node, testCase, state =>
        {
            var applied = node.Dataplane.Apply(state, node.Endpoints(state));
            return Task.FromResult(applied.Succeeded ? null : $"the dataplane failed: {applied.Error}");
        }, settle: TimeSpan.Zero);

    /// <summary>
    /// The same with each step's state put in force by <paramref name="applyStep"/> (null, or why it failed). When the
    /// state takes effect asynchronously (an agent watching a store), the matrices are probed again until they agree
    /// or <paramref name="settle"/> has passed, and the last disagreements are reported.
    /// </summary>
    public static async Task<IReadOnlyList<string>> RunAsync(
        PolicyNode node, NetpolCase testCase, Func<ClusterState, Task<string?>> applyStep, TimeSpan settle)
    {
        var mismatches = new List<string>();
        var number = 0;
        foreach (var state in NetpolCaseRunner.StepStates(testCase))
        {
            var step = testCase.Steps[number++];
            if (await applyStep(state) is { } failure)
            {
                mismatches.Add($"step {number}: {failure}");
                return mismatches;
            }
            var evaluator = new PolicyEvaluator(state);
            var deadline = DateTime.UtcNow + settle;
            List<string> lines;
            do
            {
                var probes = step.Probes.Where(IsProbed).Select(probe => ProbeAsync(node, state, evaluator, probe)).ToList();
                lines = [.. (await Task.WhenAll(probes)).SelectMany(l => l)];
            }
            while (lines.Count > 0 && DateTime.UtcNow < deadline);
            mismatches.AddRange(lines.Select(line => $"step {number}: {line}"));
        }
        return mismatches;
    }

    private static bool IsProbed(CaseProbe probe) => Protocol.Parse(probe.Protocol).Number is 6 or 17;

    private static async Task<List<string>> ProbeAsync(PolicyNode node, ClusterState state, PolicyEvaluator evaluator, CaseProbe probe)
    {
        var endpoints = probe.Pods.Select(key => state.FindPod(key) ?? throw new KeyNotFoundException($"probe pod {key}")).ToList();
        var pods = endpoints.Select(p => node.Pod(p.Key, p.Ip)).ToList();
        var protocol = Protocol.Parse(probe.Protocol);
        var socketProtocol = protocol.Number == Protocol.Udp.Number ? ProtocolType.Udp : ProtocolType.Tcp;
        var real = await PolicyNode.ProbeAsync(pods, socketProtocol, j => PortOn(endpoints[j], probe), ConnectTimeout);
        var lines = new List<string>();
        for (var i = 0; i < pods.Count; i++)
        {
            for (var j = 0; j < pods.Count; j++)
            {
                if (i == j || PortOn(endpoints[j], probe) is null) continue;
                var expected = probe.Matrix[i][j];
                var oracle = NetpolCaseRunner.Cell(evaluator, endpoints[i], endpoints[j], protocol, probe.Port);
                var got = real[i, j] ? NetpolCaseRunner.Allowed : NetpolCaseRunner.Denied;
                if (got != expected || got != oracle)
                {
                    lines.Add($"{probe.Protocol} {probe.Port} {pods[i].Key} -> {pods[j].Key}: real {got}, expected {expected}, oracle {oracle}");
                }
            }
        }
        return lines;
    }

    /// <summary>The numeric port, or the destination's port of that name; null when it serves no such port.</summary>
    private static int? PortOn(PodEndpoint destination, CaseProbe probe) =>
        !probe.Port.IsString
            ? probe.Port.Number
            : destination.FindNamedPort(probe.Port.Text) is { } named
              && named.Protocol.Number == Protocol.Parse(probe.Protocol).Number
                ? named.Port
                : null;

    /// <summary>What the node's table holds, for a failure message.</summary>
    public static string ListTable(PolicyNode node)
    {
        var (_, stdout, stderr) = Linux.TestNamespaces.Exec(node.Host, "nft", "list", "table", "inet", "calico");
        return new StringBuilder().AppendLine(stdout).Append(stderr).ToString();
    }
}
