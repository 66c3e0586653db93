using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using CniNet.Datastore.Etcd;
using CniNet.IpamCore;
using CniNet.Model.Net;
using CniNet.Tests;

namespace CniNet.Bench;

/// <summary>
/// Many nodes allocating at once against one private etcd (started here on loopback ports, data on tmpfs when there is
/// one). Nodes are simulated in this process, each with its own etcd client and IpamClient; each node's pods are
/// started all at once, as kubelet does, and go through the node's IPAM lock as the calico-ipam plugin's host lock
/// (<c>/var/run/calico/ipam.lock</c>) makes them, so the races are between nodes. Each round uses a fresh key root.
/// </summary>
internal static class EtcdContentionBenchmark
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var nodes = options.Int("nodes", 50);
        var pods = options.Int("pods-per-node", 20);
        var rounds = options.Int("rounds", 3);
        using var etcd = new EtcdServer();
        Console.WriteLine($"etcd-contention: {nodes} nodes x {pods} pods, {rounds} rounds on one etcd ({etcd.Endpoint}); nodes simulated in-process "
                          + "(one etcd client + IpamClient each), a node's pods started at once and serialized by its host IPAM lock as calico-ipam does");
        var walls = new List<double>();
        var conflicts = new List<double>();
        var trips = new List<double>();
        var duplicates = 0;
        for (var round = 1; round <= rounds; round++)
        {
            var result = await RoundAsync(etcd.Endpoint, nodes, pods, round);
            walls.Add(result.Wall);
            conflicts.Add(result.Conflicts);
            trips.Add(result.Trips);
            duplicates += result.Duplicates;
        }
        Console.WriteLine($"median of {rounds} rounds: wall {Stats.F(Stats.Median(walls), 2)} s, {Stats.F(nodes * pods / Stats.Median(walls), 0)} allocs/s, "
                          + $"{Stats.F(Stats.Median(conflicts), 0)} conflicts, {Stats.F(Stats.Median(trips), 2)} round trips per allocation; duplicates in all rounds {duplicates}");
        Console.WriteLine($"{{\"bench\":\"etcd-contention\",\"nodes\":{nodes},\"pods\":{nodes * pods},\"wall_s\":{Stats.F(Stats.Median(walls), 2)},"
                          + $"\"duplicates\":{duplicates},\"conflicts\":{Stats.F(Stats.Median(conflicts), 0)},\"round_trips_per_alloc\":{Stats.F(Stats.Median(trips), 2)}}}");
        return duplicates == 0 ? 0 : 1;
    }

    private static async Task<(double Wall, long Conflicts, double Trips, int Duplicates)> RoundAsync(Uri endpoint, int nodes, int pods, int round)
    {
        var root = $"/cninet-bench-{round}-{Guid.NewGuid():N}";
        await using (var setup = new EtcdDatastore([endpoint], root)) await IpamBenchmarks.ApplyAsync(setup, "10.0.0.0/16");
        var stores = Enumerable.Range(0, nodes).Select(_ => new EtcdDatastore([endpoint], root)).ToList();
        var clients = stores.Select(s => new IpamClient(s)).ToList();
        var hostLocks = Enumerable.Range(0, nodes).Select(_ => new SemaphoreSlim(1, 1)).ToList();
        var assigned = new ConcurrentBag<Cidr>();
        var latencies = new ConcurrentBag<double>();
        try
        {
            var sw = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, nodes).SelectMany(node => Enumerable.Range(0, pods).Select(pod => Task.Run(async () =>
            {
                await hostLocks[node].WaitAsync();
                try
                {
                    var start = Stopwatch.GetTimestamp();
                    var (v4, _) = await clients[node].AutoAssignAsync(new AutoAssignArgs
                    {
                        Hostname = $"node-{node}", HandleId = $"k8s-pod-network.{node}-{pod}", Num4 = 1,
                        Attrs = new Dictionary<string, string>
                        {
                            ["namespace"] = "default", ["pod"] = $"pod-{node}-{pod}", ["node"] = $"node-{node}",
                            ["timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fffffff +0000 UTC", CultureInfo.InvariantCulture),
                        },
                    });
                    latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    if (v4.IPs.Count != 1) throw new InvalidOperationException($"no address for node-{node} pod {pod}: {v4.PartialFulfillmentError()}");
                    assigned.Add(v4.IPs[0]);
                }
                finally
                {
                    hostLocks[node].Release();
                }
            }))));
            var wall = sw.Elapsed.TotalSeconds;
            var total = nodes * pods;
            var conflicts = clients.Sum(c => c.Conflicts);
            var trips = (double)stores.Sum(s => s.RoundTrips) / total;

            await using var checkStore = new EtcdDatastore([endpoint], root);
            var report = await new IpamReports(checkStore).CheckAsync();
            // The simulated pods have no Pod objects, so their addresses read as not in use: only structure is judged here.
            var structural = report.ProblemCount - report.LeakedAddresses.Count;
            var duplicates = assigned.Count - assigned.Select(c => c.NetworkAddress).Distinct().Count() + report.Duplicates.Count;
            var all = latencies.ToList();
            Console.WriteLine($"  round {round}: wall {Stats.F(wall, 2)} s, {Stats.F(total / wall, 0)} allocs/s, per allocation (inside the host lock) "
                              + $"median {Stats.F(Stats.Median(all), 2)} ms p90 {Stats.F(Stats.Percentile(all, 0.9), 2)} ms, {conflicts} conflicts, "
                              + $"{Stats.F(trips, 2)} round trips per allocation, {report.Blocks} blocks, duplicates {duplicates}, structural problems {structural}");
            if (report.Allocated != total || structural != 0)
                throw new InvalidOperationException($"store holds {report.Allocated} addresses for {total} pods, {structural} structural problems");
            return (wall, conflicts, trips, duplicates);
        }
        finally
        {
            foreach (var store in stores) await store.DisposeAsync();
            foreach (var hostLock in hostLocks) hostLock.Dispose();
        }
    }
}
