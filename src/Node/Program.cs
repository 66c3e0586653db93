using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using CniNet.Bgp.Speaker;
using CniNet.CalicoCni;
using CniNet.Cni;
using CniNet.Datastore;
using CniNet.Felix.Agent;
using CniNet.Felix.Dataplane;
using CniNet.Felix.Overlay;
using CniNet.Linux;
using CniNet.Node;

// cninet-node: the per-node agent, run in the node's network namespace as calico-node runs with hostNetwork. Its
// parts: serving the CNI plugins (on unless --no-cni), the BGP speaker (--bgp) and Felix (--felix: workload policy on
// nftables and the VXLAN overlay over rtnetlink), each alone or together (e.g. --felix --no-cni). The node name comes from --nodename or
// NODENAME, the datastore from the same settings as cninetctl. BGP passwords are read from Secrets in --secret-namespace,
// else CALICO_NAMESPACE (the namespace calico-node runs in), else calico-system. Felix serves /liveness and /readiness
// on the health address (Felix's HealthHost:HealthPort, 127.0.0.1:9099) and /metrics on the metrics address
// (PrometheusMetricsHost:PrometheusMetricsPort, 127.0.0.1:9091).
const string Usage = "usage: cninet-node [--nodename NAME] [--bgp] [--felix] [--no-cni] [--cni-socket PATH] [--status-socket PATH]\n"
                     + "                   [--secret-namespace NS] [--health-host ADDR] [--health-port N] [--metrics-host ADDR] [--metrics-port N]";
var cniSocket = CniAgentProtocol.DefaultSocket;
var statusSocket = BgpStatusSocket.DefaultPath;
var nodename = Environment.GetEnvironmentVariable("NODENAME") is { Length: > 0 } n ? n : Environment.MachineName;
var secretNamespace = Environment.GetEnvironmentVariable("CALICO_NAMESPACE") is { Length: > 0 } cns ? cns : BgpSpeakerOptions.DefaultSecretNamespace;
var (cni, bgp, felix) = (true, false, false);
var (healthHost, healthPort, metricsHost, metricsPort) = (IPAddress.Loopback, 9099, IPAddress.Loopback, 9091);
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--cni-socket" when i + 1 < args.Length: cniSocket = args[++i]; break;
        case "--status-socket" when i + 1 < args.Length: statusSocket = args[++i]; break;
        case "--nodename" when i + 1 < args.Length: nodename = args[++i]; break;
        case "--secret-namespace" when i + 1 < args.Length && args[i + 1].Length > 0: secretNamespace = args[++i]; break;
        case "--health-host" when i + 1 < args.Length && IPAddress.TryParse(args[i + 1], out var host): healthHost = host; i++; break;
        case "--metrics-host" when i + 1 < args.Length && IPAddress.TryParse(args[i + 1], out var host): metricsHost = host; i++; break;
        case "--health-port" when i + 1 < args.Length && ushort.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var port): healthPort = port; i++; break;
        case "--metrics-port" when i + 1 < args.Length && ushort.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var port): metricsPort = port; i++; break;
        case "--bgp": bgp = true; break;
        case "--felix": felix = true; break;
        case "--no-cni": cni = false; break;
        default:
            Console.Error.WriteLine($"cninet-node: unknown argument \"{args[i]}\"\n{Usage}");
            return 2;
    }
}
using var stop = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
await using var stores = new KeptOpenStores();
var parts = new List<Task>();
if (cni)
{
    var plugins = new Dictionary<string, ICniPlugin>
    {
        ["calico"] = new CalicoPlugin(stores.Open, stores.Ipam),
        ["calico-ipam"] = new CalicoIpamPlugin(stores.Open, stores.Ipam),
    };
    parts.Add(new CniAgentServer(cniSocket, plugins, Console.Out).RunAsync(stop.Token));
}
BgpSpeaker? speaker = null;
if (bgp)
{
    speaker = await BgpSpeaker.StartAsync(nodename, stores.Open(DatastoreConfig.FromEnvironment()),
        new BgpSpeakerOptions { SecretNamespace = secretNamespace, Log = line => Console.Out.WriteLine($"bgp: {line}") }, stop.Token);
    Console.Out.WriteLine($"cninet-node: BGP speaker for node {nodename}; status on {statusSocket}");
    parts.Add(BgpStatusSocket.ServeAsync(statusSocket, speaker.Status, stop.Token));
}
FelixAgent? felixAgent = null;
OverlayAgent? overlayAgent = null;
// nf_tables batches written by this process (NetlinkNft), not through nft's engine: a policy change costs the kernel's
// commit, not nft's parse, evaluation and listing of the table into its cache.
using var nft = felix ? NfTablesSocket.Open() : null;
// The overlay runs beside the policy loop, on its own netlink sockets (none is shared between threads).
using var overlayNft = felix ? NfTablesSocket.Open() : null;
using var overlayNetlink = felix ? Rtnetlink.Open() : null;
// The policy loop's own, for host endpoints named by expected IPs.
using var interfaceNetlink = felix ? Rtnetlink.Open() : null;
if (nft is not null)
{
    felixAgent = FelixAgent.Start(nodename, stores.Open(DatastoreConfig.FromEnvironment()), new NetlinkNft(nft),
        new FelixAgentOptions { Log = line => Console.Out.WriteLine(line), LocalInterfaces = () => LocalInterfaces.Read(interfaceNetlink!) });
    overlayAgent = OverlayAgent.Start(nodename, stores.Open(DatastoreConfig.FromEnvironment()), overlayNetlink!, new NetlinkNft(overlayNft!),
        TimeSpan.FromSeconds(90), line => Console.Out.WriteLine(line));
    Console.Out.WriteLine($"cninet-node: Felix for node {nodename}, with its VXLAN overlay");
    var agent = felixAgent;
    var overlay = overlayAgent;
    HttpAnswer Health(bool good) => good ? new HttpAnswer(200, "ok\n") : new HttpAnswer(503, "not ready\n");
    parts.Add(new HttpEndpoints(new IPEndPoint(healthHost, healthPort), new Dictionary<string, Func<HttpAnswer>>
    {
        ["/liveness"] = () => Health(agent.Live && overlay.Live),
        ["/readiness"] = () => Health(agent.Live && overlay.Live && agent.Status.Ready),
    }, Console.Out).RunAsync(stop.Token));
    parts.Add(new HttpEndpoints(new IPEndPoint(metricsHost, metricsPort), new Dictionary<string, Func<HttpAnswer>>
    {
        ["/metrics"] = () => new HttpAnswer(200, FelixMetrics.Render(agent.Status, agent.ApplyTimes), FelixMetrics.ContentType),
    }, Console.Out).RunAsync(stop.Token));
}
if (parts.Count == 0)
{
    Console.Error.WriteLine($"cninet-node: nothing to run (--no-cni without --bgp or --felix)\n{Usage}");
    return 2;
}
await Task.WhenAll(parts);
if (speaker is not null) await speaker.DisposeAsync();
if (felixAgent is not null) await felixAgent.DisposeAsync();
if (overlayAgent is not null) await overlayAgent.DisposeAsync();
return 0;
