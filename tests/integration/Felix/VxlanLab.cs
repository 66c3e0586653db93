using System.Net;
using CniNet.Datastore;
using CniNet.Felix.Dataplane;
using CniNet.Felix.Overlay;
using CniNet.Linux;
using CniNet.Model.Network;
using CniNet.Model.Resources;
using CniNet.Tests.Integration.Cni;
using CniNet.Tests.Integration.Linux;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// Two Calico nodes on one SQLite store file, node-a and node-b, each a <see cref="CniNode"/> namespace, joined by an
/// underlay veth (<c>under0</c>, 172.31.0.1/24 and 172.31.0.2/24); a VXLAN pool; each node's VTEP allocated as
/// calico-node does; one pod per node made by the real <c>calico</c> and <c>calico-ipam</c> executables, serving TCP
/// port 80; and per node a <see cref="VxlanOverlay"/> writing through rtnetlink and libnftables in its namespace.
/// Everything is deleted on dispose, also when the set-up fails half way.
/// </summary>
public sealed class VxlanLab : IAsyncDisposable
{
    public const string PoolCidr = "10.66.0.0/16";
    public const int Port = 80;

    private readonly List<IDisposable> _disposables = [];

    private VxlanLab(TestStore store)
    {
        Store = store;
        Resources = new ResourceClient(store.Store);
    }

    public TestStore Store { get; }

    public ResourceClient Resources { get; }

    public CniNode A { get; private set; } = null!;

    public CniNode B { get; private set; } = null!;

    public VxlanOverlay OverlayA { get; private set; } = null!;

    public VxlanOverlay OverlayB { get; private set; } = null!;

    /// <summary>libnftables in node-b's namespace, for its policy dataplane.</summary>
    public NftablesSession NftB { get; private set; } = null!;

    public PolicyPod PodA { get; private set; } = null!;

    public PolicyPod PodB { get; private set; } = null!;

    public static async Task<VxlanLab> StartAsync(string vxlanMode = IPPoolSpec.ModeAlways)
    {
        var lab = new VxlanLab(new TestStore());
        try
        {
            await lab.Store.ApplyAsync(Yaml.Pool("vxlan-pool", PoolCidr, extra: $"  vxlanMode: {vxlanMode}"));
            lab.A = new CniNode(lab.Store, "node-a", "vxlan");
            lab.B = new CniNode(lab.Store, "node-b", "vxlan");
            lab.A.HostNetlink.CreateVethPair("under0", "under0", lab.B.Host, 1500);
            foreach (var (node, address) in new[] { (lab.A, "172.31.0.1"), (lab.B, "172.31.0.2") })
            {
                var underlay = node.HostNetlink.GetLink("under0")!.Index;
                node.HostNetlink.AddAddress(underlay, IPAddress.Parse(address), 24);
                node.HostNetlink.SetLinkUp(underlay);
                await lab.Resources.ApplyAsync(new Node
                {
                    ApiVersion = ResourceKinds.Node.ApiVersion,
                    Kind = ResourceKinds.Node.Kind,
                    Metadata = new ObjectMeta { Name = node.Name },
                    Spec = new NodeSpec { Bgp = new NodeBgpSpec { IPv4Address = $"{address}/24" } },
                });
                await new TunnelAddressAllocator(lab.Store.Ipam(), lab.Resources).EnsureAsync(node.Name);
            }
            lab.PodA = lab.StartPod(lab.A, "pod-a");
            lab.PodB = lab.StartPod(lab.B, "pod-b");
            lab.OverlayA = new VxlanOverlay(lab.A.HostNetlink, new InProcessNft(lab.Track(NftablesSession.Open(lab.A.Host))));
            lab.NftB = lab.Track(NftablesSession.Open(lab.B.Host));
            lab.OverlayB = new VxlanOverlay(lab.B.HostNetlink, new InProcessNft(lab.NftB));
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Both nodes' overlays brought to what the store says now.</summary>
    public async Task ReconcileAsync()
    {
        OverlayA.Reconcile(await OverlaySource.ReadAsync(Store.Store, A.Name));
        OverlayB.Reconcile(await OverlaySource.ReadAsync(Store.Store, B.Name));
    }

    /// <summary>A packet counter of <c>vxlan.calico</c> in <paramref name="node"/> (<c>tx_packets</c>, <c>rx_packets</c>).</summary>
    public static long VxlanCounter(CniNode node, string counter)
    {
        var (exitCode, stdout, stderr) = TestNamespaces.Exec(node.Host, "cat", $"/sys/class/net/{VxlanOverlay.DeviceName}/statistics/{counter}");
        return exitCode == 0 ? long.Parse(stdout.Trim()) : throw new InvalidOperationException($"{counter} of {VxlanOverlay.DeviceName}: {stderr}");
    }

    /// <summary>Whether <paramref name="from"/> gets an echo reply from <paramref name="to"/> (three tries).</summary>
    public static bool Pings(PolicyPod from, PolicyPod to) =>
        TestNamespaces.Exec(from.Namespace, "ping", "-c", "3", "-i", "0.2", "-W", "1", to.Ip.ToString()).ExitCode == 0;

    public async ValueTask DisposeAsync()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables)) disposable.Dispose();
        if (B is not null) await B.DisposeAsync();
        if (A is not null) await A.DisposeAsync();
        await Store.DisposeAsync();
    }

    private PolicyPod StartPod(CniNode node, string name)
    {
        var (ns, _) = node.Pod();
        var added = node.Add(node.Config(), $"{name}-container", ns, podName: name);
        if (added.ExitCode != 0) throw new InvalidOperationException($"calico ADD {name} failed: {added.Stdout} {added.Stderr}");
        var ip = IPAddress.Parse(((string)added.Json["ips"]![0]!["address"]!).Split('/')[0]);
        var hostInterface = (string)added.Json["interfaces"]![0]!["name"]!;
        return Track(new PolicyPod($"default/{name}", ip, ns, hostInterface, [Port]));
    }

    private T Track<T>(T disposable)
        where T : IDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }
}
