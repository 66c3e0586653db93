using System.Runtime.InteropServices;
using CniNet.CalicoCni;
using CniNet.Cni;
using CniNet.Node;

// cninet-node: the per-node agent, run in the node's network namespace as calico-node runs with hostNetwork.
// This part serves the CNI plugins: `cninet-node [--cni-socket PATH]` (default /var/run/cninet/cni.sock).
var socket = CniAgentProtocol.DefaultSocket;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--cni-socket" && i + 1 < args.Length) socket = args[++i];
    else
    {
        Console.Error.WriteLine($"cninet-node: unknown argument \"{args[i]}\"\nusage: cninet-node [--cni-socket PATH]");
        return 2;
    }
}
using var stop = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
await using var stores = new KeptOpenStores();
var plugins = new Dictionary<string, ICniPlugin>
{
    ["calico"] = new CalicoPlugin(stores.Open),
    ["calico-ipam"] = new CalicoIpamPlugin(stores.Open),
};
await new CniAgentServer(socket, plugins, Console.Out).RunAsync(stop.Token);
return 0;
