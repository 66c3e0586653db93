using System.Runtime.InteropServices;
using CniNet.Bgp.Speaker;
using CniNet.CalicoCni;
using CniNet.Cni;
using CniNet.Datastore;
using CniNet.Node;

// cninet-node: the per-node agent, run in the node's network namespace as calico-node runs with hostNetwork. Its
// parts: serving the CNI plugins (on unless --no-cni) and the BGP speaker (--bgp). BGP alone: --bgp --no-cni.
// The node name comes from --nodename or NODENAME, the datastore from the same settings as cninetctl.
const string Usage = "usage: cninet-node [--nodename NAME] [--bgp] [--no-cni] [--cni-socket PATH] [--status-socket PATH]";
var cniSocket = CniAgentProtocol.DefaultSocket;
var statusSocket = BgpStatusSocket.DefaultPath;
var nodename = Environment.GetEnvironmentVariable("NODENAME") is { Length: > 0 } n ? n : Environment.MachineName;
var (cni, bgp) = (true, false);
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--cni-socket" when i + 1 < args.Length: cniSocket = args[++i]; break;
        case "--status-socket" when i + 1 < args.Length: statusSocket = args[++i]; break;
        case "--nodename" when i + 1 < args.Length: nodename = args[++i]; break;
        case "--bgp": bgp = true; break;
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
        ["calico"] = new CalicoPlugin(stores.Open),
        ["calico-ipam"] = new CalicoIpamPlugin(stores.Open),
    };
    parts.Add(new CniAgentServer(cniSocket, plugins, Console.Out).RunAsync(stop.Token));
}
BgpSpeaker? speaker = null;
if (bgp)
{
    speaker = await BgpSpeaker.StartAsync(nodename, stores.Open(DatastoreConfig.FromEnvironment()),
        new BgpSpeakerOptions { Log = line => Console.Out.WriteLine($"bgp: {line}") }, stop.Token);
    Console.Out.WriteLine($"cninet-node: BGP speaker for node {nodename}; status on {statusSocket}");
    parts.Add(BgpStatusSocket.ServeAsync(statusSocket, speaker.Status, stop.Token));
}
if (parts.Count == 0)
{
    Console.Error.WriteLine($"cninet-node: nothing to run (--no-cni without --bgp)\n{Usage}");
    return 2;
}
await Task.WhenAll(parts);
if (speaker is not null) await speaker.DisposeAsync();
return 0;
