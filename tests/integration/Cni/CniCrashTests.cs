using System.Diagnostics;
using CniNet.Datastore;
using CniNet.IpamCore;
using CniNet.Model.Policy;
using CniNet.Model.Resources;
using Xunit;

namespace CniNet.Tests.Integration.Cni;

/// <summary>
/// The plugin killed with SIGKILL at random moments of ADD: whatever it had done (a half-written store transaction,
/// an allocation without an endpoint, a veth without routes), DEL of each attempt must leave no address held, no
/// endpoint, no link, and a store that <c>ipam check</c> finds clean.
/// </summary>
public sealed class CniCrashTests : IAsyncLifetime
{
    private const int Attempts = 200;
    private readonly CniNode _node = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task Adds_killed_at_random_moments_leave_nothing_after_del()
    {
        var conf = _node.Config();
        // How long an ADD takes here, so the kills spread over all of it (process start, store, netlink, sysctls).
        var (warm, _) = _node.Pod();
        var clock = Stopwatch.StartNew();
        var first = _node.Add(conf, "crash-warm", warm, podName: "crash-warm");
        var addTime = clock.Elapsed;
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);

        var random = new Random(20261201);
        var attempts = new List<(string Id, string Netns)>();
        var killed = 0;
        for (var i = 0; i < Attempts; i++)
        {
            var (pod, _) = _node.Pod();
            var id = $"crash-{i}";
            attempts.Add((id, pod.Path));
            using var process = _node.Start("ADD", conf.ToJsonString(), id, pod.Path, cniArgs: CniNode.KubeletArgs("default", id));
            var delay = TimeSpan.FromTicks((long)(random.NextDouble() * addTime.Ticks * 1.2));
            var spin = Stopwatch.StartNew();
            while (spin.Elapsed < delay && !process.HasExited) Thread.SpinWait(50);
            if (!process.HasExited)
            {
                process.Kill();
                killed++;
            }
            process.WaitForExit();
        }
        Assert.InRange(killed, Attempts / 4, Attempts);
        // The kills landed mid-way: some attempts hold an address, some left a link (beyond the warm pod's one each).
        var held = (await new IpamReports(_node.Store.Store).GetUtilizationAsync()).Pools.Sum(p => (long)p.InUse) - 1;
        var links = _node.HostLinks().Count - 1;
        Assert.True(held > 0 && links > 0 && held < Attempts, $"{killed} killed, {held} addresses held, {links} links left");

        foreach (var (id, netns) in attempts.Prepend(("crash-warm", warm.Path)))
        {
            var del = _node.Del(conf, id, netns, podName: id);
            Assert.True(del.ExitCode == 0, $"DEL {id}: {del.Stdout}{del.Stderr}");
        }

        Assert.Empty(_node.HostLinks());
        var usage = await new IpamReports(_node.Store.Store).GetUtilizationAsync();
        Assert.All(usage.Pools, p => Assert.Equal(UInt128.Zero, p.InUse));
        Assert.Empty((await _node.Store.Store.ListAsync(PolicyKinds.WorkloadEndpoint.StoreKind)).Items);
        var check = await new IpamReports(_node.Store.Store).CheckAsync();
        Assert.True(check.ProblemCount == 0, string.Join("; ", check.LeakedAddresses.Select(l => l.ToString())
            .Concat(check.HandlesWithoutAddresses).Concat(check.HandleCountMismatches).Concat(check.StaleAffinities).Concat(check.InvalidBlocks)));
    }
}
