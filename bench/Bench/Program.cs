using System.Diagnostics;
using System.Globalization;
using CniNet.Bench;

var name = args.FirstOrDefault() ?? "";
var options = BenchOptions.Parse(args.Skip(1).ToArray());
return name switch
{
    "ipam-throughput" => await IpamBenchmarks.ThroughputAsync(options),
    "ipam-scale" => await IpamBenchmarks.ScaleAsync(options),
    "cni-latency" => await CniLatencyBenchmark.RunAsync(options),
    "etcd-contention" => await EtcdContentionBenchmark.RunAsync(options),
    "felix-update" => await FelixUpdateBenchmark.RunAsync(options),
    "bgp-convergence" => await BgpConvergenceBenchmark.RunAsync(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: bench/run.sh ipam-throughput [--allocs N] [--rounds N] [--concurrency N]");
    Console.Error.WriteLine("       bench/run.sh ipam-scale [--nodes N] [--pods-per-node N] [--workers N] [--at-once N]");
    Console.Error.WriteLine("       bench/run.sh cni-latency [--pairs N]");
    Console.Error.WriteLine("       bench/run.sh etcd-contention [--nodes N] [--pods-per-node N] [--rounds N]");
    Console.Error.WriteLine("       bench/run.sh felix-update [--endpoints N] [--rules N] [--rounds N] [--executor process|library] [--ipv6 on|off]");
    Console.Error.WriteLine("       bench/run.sh bgp-convergence [--prefixes N]");
    return 2;
}

namespace CniNet.Bench
{
    internal sealed class BenchOptions(Dictionary<string, string> values)
    {
        public static BenchOptions Parse(string[] args)
        {
            var values = new Dictionary<string, string>();
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                if (!args[i].StartsWith("--")) throw new ArgumentException($"expected --name value, got {args[i]}");
                values[args[i][2..]] = args[i + 1];
            }
            return new BenchOptions(values);
        }

        public int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

        public string String(string name, string fallback) => values.GetValueOrDefault(name, fallback);
    }

    internal sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("cninet-bench-").FullName;

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }

    internal static class Stats
    {
        public static double Percentile(IReadOnlyList<double> values, double p)
        {
            var sorted = values.Order().ToList();
            if (sorted.Count == 0) return 0;
            var rank = p * (sorted.Count - 1);
            var lo = (int)Math.Floor(rank);
            var hi = (int)Math.Ceiling(rank);
            return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
        }

        public static double Median(IReadOnlyList<double> values) => Percentile(values, 0.5);

        public static double PeakRssMib()
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:"))
                    return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
            return Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0;
        }

        public static string F(double value, int decimals = 1) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }
}
