using System.Diagnostics;
using System.Net;
using CniNet.Datastore;
using CniNet.IpamCore;
using CniNet.Model.Net;
using Xunit;

namespace CniNet.Tests.Integration.Runtimes;

/// <summary>
/// Debian's containerd (<c>ctr run --cni</c>) and podman (CNI backend) start a busybox container whose network comes
/// from our plugins, installed by <c>cninetctl install-cni</c>: the container gets an address from the pool, reaches
/// the node, and its exit (DEL from the runtime) gives the address back. The scripts under <c>tests/runtimes</c> build
/// the node namespace, the private daemon and the image, and remove all of it afterwards.
/// </summary>
public sealed class RealRuntimeTests : IAsyncLifetime
{
    private const string Pool = "10.70.0.0/16";
    private readonly TestStore _store = new();

    public async Task InitializeAsync() => await _store.ApplyAsync(Yaml.Pool("runtime-pool", Pool));

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task Containerd_ctr_run_with_cni_gets_an_address_reaches_the_node_and_releases_it_on_exit() =>
        await RunAsync("containerd-run.sh");

    [Fact]
    public async Task Podman_with_the_cni_backend_gets_an_address_reaches_the_node_and_releases_it_on_exit() =>
        await RunAsync("podman-run.sh");

    private async Task RunAsync(string script)
    {
        var info = new ProcessStartInfo(Path.Combine(OutBin.RepositoryRoot, "tests", "runtimes", script))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { OutBin.Dir, _store.Path, "runtime-node", Path.Combine(_store.Directory, "work") }) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(4)).Token);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        Assert.True(process.ExitCode == 0, $"{script} exited {process.ExitCode}\n{stdout}\n{await stderr}");

        Assert.True(Cidr.Parse(Pool).Contains(IPAddress.Parse(lines["POD_IP"])), lines["POD_IP"]);
        Assert.Equal("ok", lines["PING_NODE"]);
        Assert.Equal("0", lines["HOST_VETHS_LEFT"]);
        // The address came from a block our IPAM claimed for this node, and the runtime's DEL gave it back.
        var (affinities, _) = await _store.Store.ListAsync(Model.Resources.ResourceKinds.BlockAffinity.StoreKind);
        Assert.StartsWith("runtime-node-", Assert.Single(affinities).Key.Name);
        var usage = await new IpamReports(_store.Store).GetUtilizationAsync();
        Assert.Equal(UInt128.Zero, Assert.Single(usage.Pools).InUse);
        Assert.Equal(0, (await new IpamReports(_store.Store).CheckAsync()).ProblemCount);
    }
}
