using Xunit;

namespace CniNet.Tests.Integration.Cli;

/// <summary><c>cninetctl policy test</c> on a hand-made case file: one line per case, the first differing cell, the summary.</summary>
public sealed class PolicyTestCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cninet-policy-").FullName;

    // Two pods in x; a policy isolates x/a for ingress and admits nothing. "wrong" expects x/b -> x/a to be allowed.
    // "named-port" probes serve-81-tcp, which only x/a serves: the x/b column is '-'.
    private const string Cases = """
        {
          "format": "netpol-cases/v1",
          "cases": [
            { "id": "right", "suite": "hand", "title": "default deny ingress on x/a", "ignoreLoopback": true,
              "initial": { "namespaces": { "x": { "ns": "x" } }, "pods": [
                { "pod": "x/a", "labels": { "pod": "a" }, "ip": "192.168.1.10", "ports": [ { "name": "serve-81-tcp", "port": 81, "protocol": "TCP" } ] },
                { "pod": "x/b", "labels": { "pod": "b" }, "ip": "192.168.1.20", "ports": [] } ] },
              "steps": [ { "actions": [ { "op": "createPolicy", "policy": { "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                  "metadata": { "namespace": "x", "name": "deny" }, "spec": { "podSelector": { "matchLabels": { "pod": "a" } }, "policyTypes": [ "Ingress" ] } } } ],
                "probes": [ { "port": 80, "protocol": "TCP", "pods": [ "x/a", "x/b" ], "matrix": [ "01", "00" ] } ] } ] },
            { "id": "wrong", "suite": "hand", "title": "same, wrong expectation", "ignoreLoopback": true,
              "initial": { "namespaces": { "x": { "ns": "x" } }, "pods": [
                { "pod": "x/a", "labels": { "pod": "a" }, "ip": "192.168.1.10" },
                { "pod": "x/b", "labels": { "pod": "b" }, "ip": "192.168.1.20" } ] },
              "steps": [ { "actions": [ { "op": "createPolicy", "policy": { "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                  "metadata": { "namespace": "x", "name": "deny" }, "spec": { "podSelector": { "matchLabels": { "pod": "a" } }, "policyTypes": [ "Ingress" ] } } } ],
                "probes": [ { "port": 80, "protocol": "TCP", "pods": [ "x/a", "x/b" ], "matrix": [ "01", "10" ] } ] } ] },
            { "id": "named-port", "suite": "hand", "title": "a named port only x/a serves", "ignoreLoopback": false,
              "initial": { "namespaces": { "x": { "ns": "x" } }, "pods": [
                { "pod": "x/a", "labels": { "pod": "a" }, "ip": "192.168.1.10", "ports": [ { "name": "serve-81-tcp", "port": 81, "protocol": "TCP" } ] },
                { "pod": "x/b", "labels": { "pod": "b" }, "ip": "192.168.1.20", "ports": [] } ] },
              "steps": [ { "actions": [],
                "probes": [ { "port": "serve-81-tcp", "protocol": "TCP", "pods": [ "x/a", "x/b" ], "matrix": [ "1-", "1-" ] } ] } ] }
          ]
        }
        """;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Prints_a_line_per_case_the_first_differing_cell_and_the_summary()
    {
        var file = Path.Combine(_dir, "cases.json");
        await File.WriteAllTextAsync(file, Cases);

        var result = await Cninetctl.RunAsync(Path.Combine(_dir, "unused.db"), "", "policy", "test", "--cases", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            [
                "PASS right",
                "FAIL wrong step 1 probe 1 (TCP/80): x/b -> x/a expected 1 got 0",
                "PASS named-port",
                "2 passed, 1 failed",
            ],
            result.Stdout.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Exits_zero_when_every_case_passes()
    {
        var file = Path.Combine(_dir, "cases.json");
        await File.WriteAllTextAsync(file, Cases.Replace("\"10\"", "\"00\""));

        var result = await Cninetctl.RunAsync(Path.Combine(_dir, "unused.db"), "", "policy", "test", "--cases", file);

        Assert.Equal(0, result.ExitCode);
        Assert.EndsWith("3 passed, 0 failed\n", result.Stdout);
    }
}
