using System.Diagnostics;
using System.Globalization;
using CniNet.Datastore;
using CniNet.Datastore.Sqlite;
using CniNet.IpamCore;
using CniNet.Model.Documents;

namespace CniNet.Bench;

/// <summary>
/// IPAM against the embedded SQLite store, in process: allocation throughput on one node, and a cluster-scale fill.
/// Every allocation is committed (SQLite WAL, synchronous=NORMAL: durable across process crashes) before it returns;
/// allocations requested at once on one client share their commits (group commit), one at a time each has its own.
/// </summary>
internal static class IpamBenchmarks
{
    public static async Task<int> ThroughputAsync(BenchOptions options)
    {
        var allocs = options.Int("allocs", 1200);
        var rounds = options.Int("rounds", 7);
        var concurrency = options.Int("concurrency", 64);
        using var dir = new TempDir();
        await using var store = SqliteDatastore.Open(dir.File("bench.db"));
        await ApplyAsync(store, "10.0.0.0/12");
        var warm = new IpamClient(store);
        Console.WriteLine($"ipam-throughput: {allocs} allocations x {rounds} rounds on one node, SQLite WAL, one long-lived client; "
                          + $"one at a time, then {concurrency} at once (a node agent's concurrent ADDs, committed together)");
        var allocRates = new List<double>();
        var releaseRates = new List<double>();
        var roundTrips = new List<double>();
        var batchedRates = new List<double>();
        var batchedTrips = new List<double>();
        var freshRates = new List<double>();
        var freshRoundTrips = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            var before = store.RoundTrips;
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < allocs; i++) await AllocateAsync(warm, "bench-node", $"k8s-pod-network.r{round}-{i}", i);
            var allocSeconds = sw.Elapsed.TotalSeconds;
            var trips = (double)(store.RoundTrips - before) / allocs;
            sw.Restart();
            for (var i = 0; i < allocs; i++) await warm.ReleaseByHandleAsync($"k8s-pod-network.r{round}-{i}");
            var releaseSeconds = sw.Elapsed.TotalSeconds;

            // The same allocations requested at once: each is acknowledged only after its own commit, as a CNI ADD is.
            before = store.RoundTrips;
            sw.Restart();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(t => Task.Run(async () =>
            {
                for (var i = t; i < allocs; i += concurrency) await AllocateAsync(warm, "bench-node", $"k8s-pod-network.b{round}-{i}", i);
            })));
            var batchedSeconds = sw.Elapsed.TotalSeconds;
            var batchTrips = (double)(store.RoundTrips - before) / allocs;
            for (var i = 0; i < allocs; i++) await warm.ReleaseByHandleAsync($"k8s-pod-network.b{round}-{i}");

            // The same work with a new client per allocation: what a CNI process pays when it has no hint.
            var freshCount = Math.Max(1, allocs / 10);
            before = store.RoundTrips;
            sw.Restart();
            for (var i = 0; i < freshCount; i++) await AllocateAsync(new IpamClient(store), "bench-node", $"fresh.r{round}-{i}", i);
            var freshSeconds = sw.Elapsed.TotalSeconds;
            var freshTrips = (double)(store.RoundTrips - before) / freshCount;
            for (var i = 0; i < freshCount; i++) await warm.ReleaseByHandleAsync($"fresh.r{round}-{i}");

            allocRates.Add(allocs / allocSeconds);
            releaseRates.Add(allocs / releaseSeconds);
            roundTrips.Add(trips);
            batchedRates.Add(allocs / batchedSeconds);
            batchedTrips.Add(batchTrips);
            freshRates.Add(freshCount / freshSeconds);
            freshRoundTrips.Add(freshTrips);
            Console.WriteLine($"  round {round}: one at a time {Stats.F(allocs / allocSeconds, 0)} allocs/s ({Stats.F(trips, 2)} round trips each), "
                              + $"{Stats.F(allocs / releaseSeconds, 0)} releases/s; {concurrency} at once {Stats.F(allocs / batchedSeconds, 0)} allocs/s "
                              + $"({Stats.F(batchTrips, 2)} round trips each); fresh client: {Stats.F(freshCount / freshSeconds, 0)} allocs/s ({Stats.F(freshTrips, 2)} round trips)");
        }
        var allocsPerSecond = Stats.Median(allocRates);
        var tripsPerAlloc = Stats.Median(roundTrips);
        var batchedPerSecond = Stats.Median(batchedRates);
        Console.WriteLine($"median one at a time: {Stats.F(allocsPerSecond, 0)} allocs/s, {Stats.F(Stats.Median(releaseRates), 0)} releases/s, "
                          + $"{Stats.F(tripsPerAlloc, 2)} round trips per warm allocation");
        Console.WriteLine($"median {concurrency} at once: {Stats.F(batchedPerSecond, 0)} allocs/s, {Stats.F(Stats.Median(batchedTrips), 2)} round trips per allocation");
        Console.WriteLine($"median with a fresh client per allocation: {Stats.F(Stats.Median(freshRates), 0)} allocs/s, "
                          + $"{Stats.F(Stats.Median(freshRoundTrips), 2)} round trips (ratio warm/fresh throughput {Stats.F(allocsPerSecond / Stats.Median(freshRates), 2)})");
        Console.WriteLine($"{{\"bench\":\"ipam-throughput\",\"allocs_per_s\":{Stats.F(batchedPerSecond, 0)},\"round_trips_per_alloc\":{Stats.F(tripsPerAlloc, 2)},"
                          + $"\"concurrency\":{concurrency},\"sequential_allocs_per_s\":{Stats.F(allocsPerSecond, 0)},\"batched_round_trips_per_alloc\":{Stats.F(Stats.Median(batchedTrips), 2)}}}");
        return 0;
    }

    public static async Task<int> ScaleAsync(BenchOptions options)
    {
        var nodes = options.Int("nodes", 5000);
        var pods = options.Int("pods-per-node", 30);
        var workers = options.Int("workers", 2);
        var atOnce = Math.Clamp(options.Int("at-once", pods), 1, pods);
        Console.WriteLine($"ipam-scale: up to {nodes} nodes x {pods} pods, {workers} concurrent workers (own SQLite connection and client each), "
                          + $"each node's pods requested {atOnce} at once (a node agent's concurrent ADDs, committed together), one fresh store per size");
        (double Wall, double Rss, double Trips) last = default;
        foreach (var size in new[] { 500, 1000, nodes }.Where(n => n <= nodes).Distinct())
        {
            last = await ScaleRunAsync(size, pods, workers, atOnce);
        }
        Console.WriteLine($"{{\"bench\":\"ipam-scale\",\"nodes\":{nodes},\"pods\":{nodes * pods},\"wall_s\":{Stats.F(last.Wall, 1)},\"peak_rss_mib\":{Stats.F(last.Rss, 0)}}}");
        return 0;
    }

    private static async Task<(double Wall, double Rss, double Trips)> ScaleRunAsync(int nodes, int pods, int workers, int atOnce)
    {
        using var dir = new TempDir();
        var path = dir.File("scale.db");
        await using (var setup = SqliteDatastore.Open(path)) await ApplyAsync(setup, "10.0.0.0/12");
        var stores = Enumerable.Range(0, workers).Select(_ => SqliteDatastore.Open(path)).ToList();
        var latencies = new List<double>[workers];
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var client = new IpamClient(stores[w]);
            var mine = latencies[w] = new List<double>(nodes / workers * pods + pods);
            for (var node = w; node < nodes; node += workers)
            {
                await Task.WhenAll(Enumerable.Range(0, atOnce).Select(lane => Task.Run(async () =>
                {
                    for (var pod = lane; pod < pods; pod += atOnce)
                    {
                        var start = Stopwatch.GetTimestamp();
                        await AllocateAsync(client, $"node-{node}", $"k8s-pod-network.{node}-{pod}", pod);
                        var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                        lock (mine) mine.Add(ms);
                    }
                })));
            }
        })));
        var wall = sw.Elapsed.TotalSeconds;
        var rss = Stats.PeakRssMib();
        var all = latencies.SelectMany(l => l).ToList();
        var trips = (double)stores.Sum(s => s.RoundTrips) / all.Count;
        foreach (var s in stores) await s.DisposeAsync();
        await using var check = SqliteDatastore.Open(path);
        var report = await new IpamReports(check).CheckAsync();
        // The simulated pods have no Pod objects, so their addresses read as not in use: only structure is judged here.
        var structural = report.ProblemCount - report.LeakedAddresses.Count;
        Console.WriteLine($"  {nodes,5} nodes, {all.Count,7} pods: wall {Stats.F(wall, 1)} s, {Stats.F(all.Count / wall, 0)} allocs/s, "
                          + $"per allocation median {Stats.F(Stats.Median(all), 3)} ms p90 {Stats.F(Stats.Percentile(all, 0.9), 3)} ms, "
                          + $"{Stats.F(trips, 2)} round trips, {report.Blocks} blocks, structural problems {structural}, peak RSS while allocating {Stats.F(rss, 0)} MiB");
        if (report.Allocated != all.Count || structural != 0)
            throw new InvalidOperationException($"store holds {report.Allocated} addresses for {all.Count} pods, {structural} structural problems");
        return (wall, rss, trips);
    }

    private static Task AllocateAsync(IpamClient client, string node, string handle, int pod) =>
        client.AutoAssignAsync(new AutoAssignArgs
        {
            Hostname = node,
            HandleId = handle,
            Num4 = 1,
            Attrs = new Dictionary<string, string>
            {
                ["namespace"] = "default", ["pod"] = $"pod-{pod}", ["node"] = node,
                ["timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fffffff +0000 UTC", CultureInfo.InvariantCulture),
            },
        }).ContinueWith(t =>
        {
            if (t.Result.V4.IPs.Count != 1) throw new InvalidOperationException($"no address for {handle}: {t.Result.V4.PartialFulfillmentError()}");
        }, TaskContinuationOptions.ExecuteSynchronously);

    public static async Task ApplyAsync(IDatastore store, string cidr)
    {
        var client = new ResourceClient(store);
        foreach (var resource in ResourceDocuments.Parse($$"""
            apiVersion: projectcalico.org/v3
            kind: IPPool
            metadata: {name: bench-pool}
            spec: {cidr: {{cidr}}, blockSize: 26}
            """)) await client.ApplyAsync(resource);
    }
}
