using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using CniNet.Bgp.Session;
using CniNet.Bgp.Speaker;

namespace CniNet.Ctl;

/// <summary><c>node status</c>: the running agent's BGP peers, as <c>calicoctl node status</c> prints BIRD's.</summary>
internal static class NodeCommands
{
    public static Command Build() => new("node", "The node agent (cninet-node) on this host") { Status() };

    private static Command Status()
    {
        var command = new Command("status", $"BGP peers of the running cninet-node (its status socket: {BgpStatusSocket.PathVariable} or {BgpStatusSocket.DefaultPath})");
        command.SetAction(_ =>
        {
            var path = Environment.GetEnvironmentVariable(BgpStatusSocket.PathVariable) is { Length: > 0 } p ? p : BgpStatusSocket.DefaultPath;
            if (BgpStatusSocket.Query(path) is not { } peers)
            {
                Console.WriteLine("Calico process is not running.");
                return 1;
            }
            Console.WriteLine("Calico process is running.");
            foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
            {
                var name = family == AddressFamily.InterNetwork ? "IPv4" : "IPv6";
                Console.WriteLine($"\n{name} BGP status");
                var rows = peers.Where(s => s.PeerAddress.AddressFamily == family).ToList();
                if (rows.Count == 0)
                {
                    Console.WriteLine($"No {name} peers found.");
                    continue;
                }
                Console.Write(TableWriter.Render(["PEER ADDRESS", "PEER TYPE", "STATE", "SINCE", "INFO"], rows.Select(s => (IReadOnlyList<string>)
                [
                    s.PeerAddress.ToString(), s.Type, s.State == BgpSessionState.Established ? "up" : "start",
                    s.Since.ToUniversalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture), s.Info,
                ])));
            }
            return 0;
        });
        return command;
    }
}
