using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CniNet.Bgp.Session;

namespace CniNet.Bgp.Speaker;

/// <summary>
/// How <c>cninetctl node status</c> asks the running agent for its BGP peers, as calicoctl asks BIRD's control socket:
/// on each connection the agent writes one line per peer (address, type, state, since, info; tab-separated, since in
/// ISO 8601) and closes.
/// </summary>
public static class BgpStatusSocket
{
    public const string DefaultPath = "/var/run/cninet/status.sock";

    public const string PathVariable = "CNINET_STATUS_SOCKET";

    /// <summary>Answers every connection with <paramref name="status"/>'s rows until <paramref name="ct"/> is cancelled.</summary>
    public static async Task ServeAsync(string path, Func<IReadOnlyList<BgpPeerStatus>> status, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Delete(path);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(16);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                using var client = await listener.AcceptAsync(ct);
                var text = string.Concat(status().Select(s =>
                    $"{s.PeerAddress}\t{s.Type}\t{s.State}\t{s.Since.ToString("O", CultureInfo.InvariantCulture)}\t{s.Info.Replace('\t', ' ').Replace('\n', ' ')}\n"));
                await client.SendAsync(Encoding.UTF8.GetBytes(text), ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The running agent's peers, or null when no agent answers at <paramref name="path"/>.</summary>
    public static IReadOnlyList<BgpPeerStatus>? Query(string path)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            return null;
        }
        using var reader = new StreamReader(new NetworkStream(socket, ownsSocket: false), Encoding.UTF8);
        var rows = new List<BgpPeerStatus>();
        while (reader.ReadLine() is { } line)
        {
            var f = line.Split('\t');
            if (f.Length == 5 && IPAddress.TryParse(f[0], out var address) && Enum.TryParse<BgpSessionState>(f[2], out var state)
                && DateTimeOffset.TryParse(f[3], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var since))
                rows.Add(new BgpPeerStatus(address, f[1], state, since, f[4]));
        }
        return rows;
    }
}
