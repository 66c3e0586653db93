using System.Net;
using CniNet.Datastore;
using CniNet.IpamCore;
using CniNet.Model.Ipam;
using CniNet.Model.Net;
using CniNet.Model.Resources;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CniNet.Tests.Property;

/// <summary>
/// Random operation sequences on several simulated nodes and pools, some run concurrently from separate connections to
/// one real SQLite file, checked after every step against the invariants Calico's IPAM must keep. The same scenarios
/// run on a real etcd in <see cref="IpamEtcdStoreProperties"/>.
/// </summary>
public sealed class IpamStoreProperties
{
    private static readonly string[] Nodes = ["n1", "n2", "n3"];
    private static readonly Cidr[] Reservations = [Cidr.Parse("10.0.0.4/31"), Cidr.Parse("10.0.0.16/28"), Cidr.Parse("10.1.0.9/32")];

    private abstract record Op;

    private sealed record Auto(int Node, int Count) : Op;

    private sealed record ReleaseHandle(int Pick) : Op;

    private sealed record ReleaseIp(int Pick) : Op;

    private sealed record Advance(int Seconds) : Op;

    private sealed record Concurrently(Auto[] Ops) : Op;

    /// <summary>Assignments at once on one client: those for one host are committed together (group commit).</summary>
    private sealed record Together(Auto[] Ops) : Op;

    private sealed record Scenario(bool Strict, int CooldownSeconds, bool[] Reserve, Op[] Ops);

    private static readonly Gen<Auto> AutoGen = from n in Gen.Choose(0, 2) from c in Gen.Choose(1, 3) select new Auto(n, c);

    private static readonly Gen<Op> OpGen = Gen.Frequency(
        (4, AutoGen.Select(a => (Op)a)),
        (2, Gen.Choose(0, 1000).Select(p => (Op)new ReleaseHandle(p))),
        (1, Gen.Choose(0, 1000).Select(p => (Op)new ReleaseIp(p))),
        (1, Gen.Choose(5, 40).Select(s => (Op)new Advance(s))),
        (2, from k in Gen.Choose(2, 4) from ops in AutoGen.ArrayOf(k) select (Op)new Concurrently(ops)),
        (2, from k in Gen.Choose(2, 12) from ops in AutoGen.ArrayOf(k) select (Op)new Together(ops)));

    private static readonly Gen<Scenario> ScenarioGen =
        from strict in Gen.Elements(false, true)
        from cooldown in Gen.Elements(0, 30)
        from reserve in Gen.Elements(false, true).ArrayOf(Reservations.Length)
        from count in Gen.Choose(5, 25)
        from ops in OpGen.ArrayOf(count)
        select new Scenario(strict, cooldown, reserve, ops);

    [Fact]
    public void Random_concurrent_operations_keep_every_ipam_invariant() => CheckScenarios(40, OnSqliteAsync);

    /// <summary>
    /// Runs <paramref name="maxTest"/> random scenarios, each on a fresh, empty store that <paramref name="withFreshStore"/>
    /// provides: it calls the scenario with the store and a way to open more clients (connections) to the same store.
    /// </summary>
    internal static void CheckScenarios(int maxTest, Func<Func<IDatastore, Func<IDatastore>, Task>, Task> withFreshStore) =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(maxTest), Prop.ForAll(ScenarioGen.ToArbitrary(),
            (Scenario s) => withFreshStore((store, open) => RunAsync(s, store, open)).GetAwaiter().GetResult()));

    private static async Task OnSqliteAsync(Func<IDatastore, Func<IDatastore>, Task> run)
    {
        await using var t = new TestStore();
        await run(t.Store, t.Open);
    }

    private sealed class Model
    {
        public readonly Dictionary<string, HashSet<string>> Handles = [];
        public readonly Dictionary<string, DateTimeOffset> ReleasedAt = [];
        public int Next;
    }

    private static async Task RunAsync(Scenario scenario, IDatastore store, Func<IDatastore> open)
    {
        var reserved = Reservations.Where((_, i) => scenario.Reserve[i]).ToList();
        await TestStore.ApplyAsync(store,
            Yaml.Pool("pool-a", "10.0.0.0/26", blockSize: 28)
            + Yaml.Pool("pool-b", "10.1.0.0/27", blockSize: 29, nodeSelector: "rack == 'b'")
            + Yaml.Node("n1", "{rack: a}") + Yaml.Node("n2", "{rack: b}") + Yaml.Node("n3", "{rack: b}")
            + (reserved.Count > 0 ? Yaml.Reservation("res", reserved.Select(r => r.ToString()).ToArray()) : ""));
        var config = new IPAMConfigSpec { StrictAffinity = scenario.Strict, IpCooldownSeconds = scenario.CooldownSeconds };
        await new IpamClient(store).SetConfigAsync(config);
        var clock = new ManualClock(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var clients = Enumerable.Range(0, 4).Select(_ => new IpamClient(open(), clock)).ToArray();
        var model = new Model();
        var reservations = new ReservationSet(reserved);

        foreach (var op in scenario.Ops)
        {
            switch (op)
            {
                case Auto auto:
                    await AssignAsync(clients[0], auto, model, clock, reservations, store, scenario.Strict);
                    break;
                case Concurrently batch:
                    await Task.WhenAll(batch.Ops.Select((a, i) => Task.Run(() => AssignAsync(clients[i], a, model, clock, reservations, store, scenario.Strict))));
                    break;
                case Together together:
                    await Task.WhenAll(together.Ops.Select(a => Task.Run(() => AssignAsync(clients[3], a, model, clock, reservations, store, scenario.Strict))));
                    break;
                case ReleaseHandle(var pick) when model.Handles.Count > 0:
                {
                    var handle = model.Handles.Keys.OrderBy(h => h).ElementAt(pick % model.Handles.Count);
                    Assert.True(await clients[1].ReleaseByHandleAsync(handle));
                    foreach (var ip in model.Handles[handle]) model.ReleasedAt[ip] = clock.GetUtcNow();
                    model.Handles.Remove(handle);
                    break;
                }
                case ReleaseIp(var pick) when model.Handles.Values.Sum(v => v.Count) > 0:
                {
                    var all = model.Handles.SelectMany(kv => kv.Value.Select(ip => (kv.Key, ip))).OrderBy(p => p.ip).ToList();
                    var (handle, ip) = all[pick % all.Count];
                    Assert.Empty(await clients[2].ReleaseIPsAsync([new ReleaseRequest(IPAddress.Parse(ip), handle)]));
                    model.Handles[handle].Remove(ip);
                    if (model.Handles[handle].Count == 0) model.Handles.Remove(handle);
                    model.ReleasedAt[ip] = clock.GetUtcNow();
                    break;
                }
                case Advance(var seconds):
                    clock.Advance(TimeSpan.FromSeconds(seconds));
                    break;
            }
            await CheckInvariantsAsync(store, model);
        }
    }

    private static async Task AssignAsync(IpamClient client, Auto auto, Model model, ManualClock clock, ReservationSet reservations, IDatastore store, bool strict)
    {
        string handle;
        lock (model) handle = $"h{model.Next++}";
        var node = Nodes[auto.Node];
        var (r4, _) = await client.AutoAssignAsync(new AutoAssignArgs
        {
            Hostname = node, HandleId = handle, Num4 = auto.Count, Attrs = new Dictionary<string, string> { ["node"] = node },
        });
        var now = clock.GetUtcNow();
        var ips = r4.IPs.Select(c => c.NetworkAddress.ToString()).ToHashSet();
        Assert.Equal(r4.IPs.Count, ips.Count);
        foreach (var cidr in r4.IPs)
        {
            var ip = cidr.NetworkAddress.ToString();
            Assert.False(reservations.IsReserved(cidr.Address, false), $"{ip} is reserved but was auto-assigned");
            lock (model)
            {
                if (model.ReleasedAt.TryGetValue(ip, out var at) && now - at < TimeSpan.FromSeconds(30))
                {
                    var config = client.GetConfigAsync().GetAwaiter().GetResult();
                    Assert.True(now - at >= TimeSpan.FromSeconds(config.IpCooldownSeconds), $"{ip} reused {now - at} after release, inside the cooldown");
                }
            }
            if (strict)
            {
                var held = (await client.GetAssignmentAttributesAsync(cidr.NetworkAddress))!.Value;
                var block = IpamObjects(await store.GetAsync(new ResourceKey(ResourceKinds.IPAMBlock.StoreKind, "", held.Block.ToResourceName())));
                Assert.Equal($"host:{node}", block.Spec.Affinity);
            }
        }
        lock (model)
        {
            foreach (var (other, held) in model.Handles)
                Assert.False(held.Overlaps(ips), $"{handle} got {string.Join(",", held.Intersect(ips))}, still held by {other}");
            if (ips.Count > 0) model.Handles[handle] = ips;
        }
    }

    private static IPAMBlock IpamObjects(KvEntry? entry) => ResourceCodec.Decode<IPAMBlock>(ResourceKinds.IPAMBlock, entry!);

    private static async Task CheckInvariantsAsync(IDatastore store, Model model)
    {
        var report = await new IpamReports(store).CheckAsync();
        Assert.True(report.ProblemCount == 0,
            string.Join("; ", report.Duplicates.Concat(report.InvalidBlocks).Concat(report.HandleCountMismatches).Concat(report.MissingHandles)
                .Concat(report.HandlesWithoutAddresses).Concat(report.StaleAffinities).Concat(report.BlocksWithoutAffinity).Concat(report.OrphanBlocks)));
        var utilization = await new IpamReports(store).GetUtilizationAsync();
        Assert.Empty(utilization.OrphanBlocks);
        foreach (var block in utilization.Pools.SelectMany(p => p.Blocks))
            Assert.Equal(block.Total, block.Free + block.InUse + block.Reserved);
        var (entries, _) = await store.ListAsync(ResourceKinds.IPAMBlock.StoreKind);
        var held = new Dictionary<string, string>();
        foreach (var entry in entries)
        {
            var block = IpamBlock.FromSpec(IpamObjects(entry).Spec);
            Assert.Contains(utilization.Pools, p => p.Cidr.Contains(block.Cidr));
            foreach (var (ordinal, attribute) in block.Allocations().Where(a => a.Attribute.ReleasedAt is null))
                Assert.True(held.TryAdd(block.AddressOf(ordinal).ToString(), attribute.HandleId!), $"{block.AddressOf(ordinal)} is held twice");
        }
        var expected = model.Handles.SelectMany(kv => kv.Value.Select(ip => (ip, kv.Key))).ToDictionary(p => p.ip, p => p.Key);
        Assert.Equal(expected.OrderBy(kv => kv.Key), held.OrderBy(kv => kv.Key));
    }
}
