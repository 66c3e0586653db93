using System.Diagnostics;
using CniNet.Datastore.Sqlite;
using CniNet.Linux;

namespace CniNet.Bench;

/// <summary>
/// ADD and DEL latency of our <c>calico</c> + <c>calico-ipam</c> (embedded store, in-process IPAM) against Debian's
/// reference <c>ptp</c> + <c>host-local</c>, invoked the way a runtime invokes them (fresh process, environment and
/// stdin, from the node's network namespace), interleaved in one run so all see the same machine load. Ours runs two
/// ways: handing the invocation to the node agent <c>cninet-node</c> (how a node runs it: the agent is there as
/// calico-node is on every Calico node; the JSON's <c>ours_*</c>), and alone, with no agent (<c>direct_*</c>).
/// </summary>
internal static class CniLatencyBenchmark
{
    private const string ReferenceDir = "/usr/lib/cni";

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var pairs = options.Int("pairs", 40);
        var bin = Environment.GetEnvironmentVariable("CNINET_BIN") ?? Path.GetFullPath("out/bin");
        using var dir = new TempDir();
        await using (var setup = SqliteDatastore.Open(dir.File("store.db"))) await IpamBenchmarks.ApplyAsync(setup, "10.80.0.0/16");
        var ours = $$$"""
            {"cniVersion":"1.0.0","name":"k8s-pod-network","type":"calico","nodename":"bench-node","log_level":"info",
             "sqlite_path":"{{{dir.File("store.db")}}}","log_file_path":"{{{dir.File("cni.log")}}}","ipam_lock_file":"{{{dir.File("ipam.lock")}}}",
             "ipam":{"type":"calico-ipam"},"policy":{"type":"k8s"}}
            """;
        var reference = $$$"""
            {"cniVersion":"1.0.0","name":"bench-ref","type":"ptp",
             "ipam":{"type":"host-local","subnet":"10.81.0.0/16","dataDir":"{{{dir.File("host-local")}}}"}}
            """;
        using var namespaces = new BenchNamespaces();
        var node = namespaces.Node();
        var podOurs = namespaces.Pod();
        var podDirect = namespaces.Pod();
        var podRef = namespaces.Pod();
        var socket = dir.File("cni.sock");
        Console.WriteLine($"cni-latency: {pairs} ADD/DEL pairs each, interleaved; ours {bin}/calico + calico-ipam (SQLite), reference {ReferenceDir}/ptp + host-local");

        // The plugins inherit the namespace of the thread that starts them: everything runs on one thread moved into the node.
        var runs = new[]
        {
            new Run("ours", $"{bin}/calico", ours, podOurs, $"{bin}:{ReferenceDir}", socket),
            new Run("direct", $"{bin}/calico", ours, podDirect, $"{bin}:{ReferenceDir}", dir.File("no-agent.sock")),
            new Run("ref", $"{ReferenceDir}/ptp", reference, podRef, ReferenceDir, dir.File("no-agent.sock")),
        };
        // The plugins and the agent inherit the namespace of the thread that starts them: everything runs on one thread moved into the node.
        var (results, version) = node.Run(() =>
        {
            using var agent = StartAgent($"{bin}/cninet-node", socket);
            try
            {
                var samples = Measure(runs, pairs);
                var versions = Enumerable.Range(0, 20).Select(_ => Invoke($"{bin}/calico", "VERSION", "{\"cniVersion\":\"1.0.0\"}", "", "", bin, socket)).Skip(2).ToList();
                return (samples, versions);
            }
            finally
            {
                agent.Kill();
            }
        });

        Console.WriteLine($"{"",-10} {"median ms",10} {"p90 ms",8} {"min ms",8}");
        foreach (var (name, values) in results)
            Console.WriteLine($"{name,-10} {Stats.F(Stats.Median(values), 2),10} {Stats.F(Stats.Percentile(values, 0.9), 2),8} {Stats.F(values.Min(), 2),8}");
        Console.WriteLine($"{"VERSION",-10} {Stats.F(Stats.Median(version), 2),10} {Stats.F(Stats.Percentile(version, 0.9), 2),8} {Stats.F(version.Min(), 2),8}");
        var oursAdd = Stats.Median(results["ours ADD"]);
        var refAdd = Stats.Median(results["ref ADD"]);
        var oursDel = Stats.Median(results["ours DEL"]);
        var refDel = Stats.Median(results["ref DEL"]);
        var directAdd = Stats.Median(results["direct ADD"]);
        var directDel = Stats.Median(results["direct DEL"]);
        Console.WriteLine("ours: the plugin hands the invocation to cninet-node; direct: no agent, the plugin does it all itself");
        Console.WriteLine($"ADD ratio {Stats.F(oursAdd / refAdd, 2)}, DEL ratio {Stats.F(oursDel / refDel, 2)} (ours / reference, medians); " +
                          $"direct {Stats.F(directAdd / refAdd, 2)} and {Stats.F(directDel / refDel, 2)}");
        Console.WriteLine($"{{\"bench\":\"cni-latency\",\"ours_add_ms\":{Stats.F(oursAdd, 2)},\"ref_add_ms\":{Stats.F(refAdd, 2)},\"add_ratio\":{Stats.F(oursAdd / refAdd, 2)}," +
                          $"\"ours_del_ms\":{Stats.F(oursDel, 2)},\"ref_del_ms\":{Stats.F(refDel, 2)},\"del_ratio\":{Stats.F(oursDel / refDel, 2)}," +
                          $"\"version_ms\":{Stats.F(Stats.Median(version), 2)},\"direct_add_ms\":{Stats.F(directAdd, 2)},\"direct_del_ms\":{Stats.F(directDel, 2)}}}");
        return 0;
    }

    private sealed record Run(string Label, string Plugin, string Conf, string Netns, string CniPath, string AgentSocket);

    /// <summary>ADD then DEL of each run per round, the order rotating so none always runs on a cache another warmed.</summary>
    private static Dictionary<string, List<double>> Measure(Run[] runs, int pairs)
    {
        var samples = runs.SelectMany(r => new[] { $"{r.Label} ADD", $"{r.Label} DEL" }).ToDictionary(n => n, _ => new List<double>());
        const int warmup = 3;
        for (var i = -warmup; i < pairs; i++)
        {
            var round = new List<(string Name, double Ms)>();
            for (var k = 0; k < runs.Length; k++)
            {
                var run = runs[(i + warmup + k) % runs.Length];
                var id = $"bench-{run.Label}-{i + warmup}";
                round.Add(($"{run.Label} ADD", Invoke(run.Plugin, "ADD", run.Conf, id, run.Netns, run.CniPath, run.AgentSocket)));
                round.Add(($"{run.Label} DEL", Invoke(run.Plugin, "DEL", run.Conf, id, run.Netns, run.CniPath, run.AgentSocket)));
            }
            if (i >= 0) foreach (var (name, ms) in round) samples[name].Add(ms);
        }
        return samples;
    }

    /// <summary>One plugin run as a runtime makes it; the wall time from start to exit in milliseconds.</summary>
    private static double Invoke(string plugin, string command, string conf, string containerId, string netns, string cniPath, string agentSocket)
    {
        var info = new ProcessStartInfo(plugin)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.Environment["CNI_COMMAND"] = command;
        info.Environment["CNI_CONTAINERID"] = containerId;
        info.Environment["CNI_NETNS"] = netns;
        info.Environment["CNI_IFNAME"] = "eth0";
        info.Environment["CNI_PATH"] = cniPath;
        info.Environment["CNINET_AGENT_SOCKET"] = agentSocket;
        info.Environment["CNI_ARGS"] = $"IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME={containerId};K8S_POD_INFRA_CONTAINER_ID={containerId};K8S_POD_UID=uid-{containerId}";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        process.StandardInput.Write(conf);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var elapsed = clock.Elapsed.TotalMilliseconds;
        if (process.ExitCode != 0) throw new InvalidOperationException($"{Path.GetFileName(plugin)} {command} {containerId} exited {process.ExitCode}: {stdout}{stderr}");
        return elapsed;
    }

    /// <summary>The node agent, started from the calling thread's namespace (the node's), once its socket is there.</summary>
    private static Process StartAgent(string path, string socket)
    {
        var agent = Process.Start(new ProcessStartInfo(path, ["--cni-socket", socket]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        for (var waited = 0; !File.Exists(socket); waited += 10)
        {
            if (agent.HasExited || waited > 10_000) throw new InvalidOperationException($"cninet-node did not open {socket}");
            Thread.Sleep(10);
        }
        return agent;
    }
}
