using System.Net;
using System.Net.Sockets;

namespace CniNet.Bgp.Session;

/// <summary>
/// The listening socket (Calico's <c>listenPort</c>, <c>bindMode</c>): hands each accepted connection to the session
/// of the peer it comes from and closes connections from unknown addresses.
/// </summary>
public sealed class BgpListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Func<IPAddress, BgpSession?> _sessionOf;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private BgpListener(Socket socket, Func<IPAddress, BgpSession?> sessionOf)
    {
        _socket = socket;
        _sessionOf = sessionOf;
        _accepting = Task.Run(AcceptAsync);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Listens on <paramref name="address"/> (<see cref="IPAddress.IPv6Any"/>: every IPv4 and IPv6 address) and <paramref name="port"/>.</summary>
    public static BgpListener Start(Func<AddressFamily, Socket> createSocket, IPAddress address, int port, Func<IPAddress, BgpSession?> sessionOf)
    {
        var socket = createSocket(address.AddressFamily);
        try
        {
            if (address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(64);
            return new BgpListener(socket, sessionOf);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Installs (or with null removes) the TCP MD5 key for a peer that may connect.</summary>
    public void SetPassword(IPAddress peer, string? password) => Linux.TcpMd5Signature.Set(_socket, peer, password);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                if (_stop.IsCancellationRequested) return;
                continue;
            }
            var remote = BgpConnection.Plain(((IPEndPoint)accepted.RemoteEndPoint!).Address);
            if (_sessionOf(remote) is { } session) session.Accept(accepted);
            else accepted.Dispose();
        }
    }
}
