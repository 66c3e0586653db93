using System.Net;
using System.Net.Sockets;
using CniNet.Linux;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// A pod of a <see cref="PolicyNode"/>: its namespace, address and host-side interface, with a TCP listener and a UDP
/// echo socket on each of the corpus' ports, opened inside its namespace and served by this process (TCP: accept,
/// then close; UDP: send each datagram back).
/// </summary>
public sealed class PolicyPod : IDisposable
{
    private readonly List<Socket> _sockets = [];

    public PolicyPod(string key, IPAddress ip, NetworkNamespace ns, string hostInterface, IEnumerable<int> ports)
    {
        Key = key;
        Ip = ip;
        Namespace = ns;
        HostInterface = hostInterface;
        foreach (var port in ports)
        {
            var listener = ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            listener.Bind(new IPEndPoint(IPAddress.Any, port));
            listener.Listen(512);
            _sockets.Add(listener);
            _ = ServeTcpAsync(listener);
            var echo = ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
            echo.Bind(new IPEndPoint(IPAddress.Any, port));
            _sockets.Add(echo);
            _ = ServeUdpAsync(echo);
        }
    }

    public string Key { get; }

    public IPAddress Ip { get; }

    public NetworkNamespace Namespace { get; }

    public string HostInterface { get; }

    /// <summary>
    /// Whether this pod reaches <paramref name="destination"/>:<paramref name="port"/> within
    /// <paramref name="timeout"/>: a TCP connection completes, or a UDP datagram comes back from the echo socket. A
    /// policy drop is silent, so it shows as the timeout; anything else (a refusal, an unreachable route) is a broken
    /// harness, not a verdict, and throws.
    /// </summary>
    public Task<bool> ReachesAsync(PolicyPod destination, ProtocolType protocol, int port, TimeSpan timeout) =>
        ReachesAsync(destination.Ip, protocol, port, timeout);

    /// <summary>The same towards any address, e.g. one a node translates with DNAT.</summary>
    public async Task<bool> ReachesAsync(IPAddress destination, ProtocolType protocol, int port, TimeSpan timeout)
    {
        var udp = protocol == ProtocolType.Udp;
        using var socket = Namespace.Run(() =>
            new Socket(AddressFamily.InterNetwork, udp ? SocketType.Dgram : SocketType.Stream, protocol));
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(destination, port), deadline.Token);
            if (udp)
            {
                await socket.SendAsync(new byte[] { 1 }, SocketFlags.None, deadline.Token);
                await socket.ReceiveAsync(new byte[16], SocketFlags.None, deadline.Token);
            }
            return true;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return false;
        }
    }

    public void Dispose()
    {
        foreach (var socket in _sockets) socket.Dispose();
    }

    private static async Task ServeTcpAsync(Socket listener)
    {
        try
        {
            while (true)
            {
                using var accepted = await listener.AcceptAsync();
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // The listener was closed with its pod.
        }
    }

    private static async Task ServeUdpAsync(Socket echo)
    {
        var buffer = new byte[64];
        try
        {
            while (true)
            {
                var received = await echo.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0));
                await echo.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), SocketFlags.None, received.RemoteEndPoint);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // The socket was closed with its pod.
        }
    }
}
