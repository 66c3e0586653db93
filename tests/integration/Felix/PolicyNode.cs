using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using CniNet.Felix.Calc;
using CniNet.Felix.Dataplane;
using CniNet.Linux;
using CniNet.Tests.Integration.Linux;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// A node for real-traffic policy tests: a network namespace built by scripts/node-netns.sh (forwarding, an uplink so
/// proxy ARP answers), pods wired into it as Calico's CNI wires them (host interfaces <c>cali&lt;11 hex&gt;</c>), and
/// the nftables dataplane applying rulesets inside the node namespace, through <c>nft -f -</c> processes or, when
/// asked, libnftables in this process or <see cref="NetlinkNft"/>'s own netlink batches. Pods are made on first use and kept; every namespace is deleted and every
/// listener closed on dispose, whatever the tests did.
/// </summary>
public sealed class PolicyNode : IDisposable
{
    public const string NodeAddress = "192.168.50.1";

    /// <summary>The ports every pod serves over TCP and UDP: the corpus probes 80 and 81.</summary>
    public static readonly int[] ServedPorts = [80, 81];

    private readonly TestNamespaces _namespaces = new();
    private readonly Dictionary<string, PolicyPod> _pods = new(StringComparer.Ordinal);

    private readonly IDisposable? _nftHandle;

    public PolicyNode()
        : this(Executor.Process)
    {
    }

    private PolicyNode(Executor executor, NftDataplaneOptions? options = null)
    {
        try
        {
            Host = _namespaces.Add();
            var setup = TestNamespaces.Exec(Host,
                Path.Combine(OutBin.RepositoryRoot, "scripts", "node-netns.sh"), TestNamespaces.NameOf(Host), NodeAddress);
            if (setup.ExitCode != 0) throw new InvalidOperationException($"node-netns.sh failed: {setup.Stderr}");
            HostNetlink = _namespaces.Netlink(Host);
            switch (executor)
            {
                case Executor.Library:
                    var session = NftablesSession.Open(Host);
                    _nftHandle = session;
                    Nft = new InProcessNft(session);
                    break;
                case Executor.Netlink:
                    var socket = NfTablesSocket.Open(Host);
                    _nftHandle = socket;
                    Nft = new NetlinkNft(socket);
                    break;
                default:
                    Nft = new NftCommand(Host);
                    break;
            }
            Dataplane = new NftablesDataplane(Nft, options);
        }
        catch
        {
            _namespaces.Dispose();
            throw;
        }
    }

    /// <summary>A node whose dataplane runs libnftables in this process instead of nft processes.</summary>
    public static PolicyNode WithInProcessNft(NftDataplaneOptions? options = null) => new(Executor.Library, options);

    /// <summary>A node whose dataplane writes nf_tables netlink batches itself (<see cref="NetlinkNft"/>).</summary>
    public static PolicyNode WithNetlinkNft(NftDataplaneOptions? options = null) => new(Executor.Netlink, options);

    public NetworkNamespace Host { get; }

    public Rtnetlink HostNetlink { get; }

    public INftExecutor Nft { get; }

    public NftablesDataplane Dataplane { get; }

    /// <summary>The pod <paramref name="key"/> at <paramref name="ip"/>, made and wired on first use.</summary>
    public PolicyPod Pod(string key, IPAddress ip)
    {
        if (_pods.TryGetValue(key, out var existing))
        {
            return existing.Ip.Equals(ip)
                ? existing
                : throw new InvalidOperationException($"pod {key} is at {existing.Ip}, not {ip}");
        }
        var ns = _namespaces.Add();
        var hostInterface = $"cali{RandomNumberGenerator.GetHexString(11, lowercase: true)}";
        CalicoPodWiring.Wire(Host, HostNetlink, ns, _namespaces.Netlink(ns), hostInterface, ip);
        var pod = new PolicyPod(key, ip, ns, hostInterface, ServedPorts);
        _pods[key] = pod;
        return pod;
    }

    /// <summary>The state's pods, made if needed, as the dataplane's workload interfaces.</summary>
    public IReadOnlyCollection<WorkloadInterface> Endpoints(ClusterState state) =>
        [.. state.Pods.Select(p => new WorkloadInterface(p.Key, Pod(p.Key, p.Ip).HostInterface))];

    /// <summary>
    /// Whether each (source, destination) pair connects, probed all at once; the port per destination, null where the
    /// destination does not serve it (left false, not probed).
    /// </summary>
    public static async Task<bool[,]> ProbeAsync(
        IReadOnlyList<PolicyPod> pods, ProtocolType protocol, Func<int, int?> portOf, TimeSpan timeout)
    {
        var probes = new List<Task<(int From, int To, bool Connected)>>();
        for (var i = 0; i < pods.Count; i++)
        {
            for (var j = 0; j < pods.Count; j++)
            {
                // A pod reaching its own address never leaves its namespace: no node dataplane sees it.
                if (i == j || portOf(j) is not { } port) continue;
                var (from, to) = (i, j);
                probes.Add(Task.Run(async () => (from, to, await pods[from].ReachesAsync(pods[to], protocol, port, timeout))));
            }
        }
        var matrix = new bool[pods.Count, pods.Count];
        foreach (var (from, to, connected) in await Task.WhenAll(probes))
        {
            matrix[from, to] = connected;
        }
        return matrix;
    }

    public void Dispose()
    {
        foreach (var pod in _pods.Values) pod.Dispose();
        _nftHandle?.Dispose();
        _namespaces.Dispose();
    }

    private enum Executor
    {
        Process,
        Library,
        Netlink,
    }
}
