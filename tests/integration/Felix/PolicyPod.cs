using System.Net;
using System.Net.Sockets;
using CniNet.Linux;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// A pod of a <see cref="PolicyNode"/>: its namespace, address and host-side interface, with TCP listeners on the
/// corpus' ports opened inside its namespace and served by this process (accept, then close).
/// </summary>
public sealed class PolicyPod : IDisposable
{
    private readonly List<Socket> _listeners = [];

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
            _listeners.Add(listener);
            _ = ServeAsync(listener);
        }
    }

    public string Key { get; }

    public IPAddress Ip { get; }

    public NetworkNamespace Namespace { get; }

    public string HostInterface { get; }

    /// <summary>
    /// Whether a TCP connection from this pod to <paramref name="destination"/>:<paramref name="port"/> completes
    /// within <paramref name="timeout"/>. A policy drop is silent, so it shows as the timeout; anything else (a
    /// refusal, an unreachable route) is a broken harness, not a verdict, and throws.
    /// </summary>
    public async Task<bool> ConnectsAsync(PolicyPod destination, int port, TimeSpan timeout)
    {
        using var socket = Namespace.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(destination.Ip, port), deadline.Token);
            return true;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return false;
        }
    }

    public void Dispose()
    {
        foreach (var listener in _listeners) listener.Dispose();
    }

    private static async Task ServeAsync(Socket listener)
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
}
