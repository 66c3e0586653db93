using System.Net.Sockets;
using CniNet.Cni;

namespace CniNet.Node;

/// <summary>
/// Serves the plugin executables' invocations on a Unix socket (<see cref="CniAgentProtocol"/>): each runs through
/// the same CNI dispatcher and plugin code as in the executable, here in a process that is already warm. A request
/// from another network namespace is refused, because the agent's netlink and routes act in its own namespace; the
/// plugin then runs the invocation itself.
/// </summary>
internal sealed class CniAgentServer(string socketPath, IReadOnlyDictionary<string, ICniPlugin> plugins, TextWriter log)
{
    public async Task RunAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
        File.Delete(socketPath);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        listener.Listen(256);
        var netns = CniAgentProtocol.CurrentNetns();
        log.WriteLine($"cninet-node: serving CNI invocations on {socketPath} in {netns}");
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var client = await listener.AcceptAsync(ct);
                _ = Task.Run(() => ServeAsync(client, netns));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            File.Delete(socketPath);
        }
    }

    private async Task ServeAsync(Socket client, string netns)
    {
        using (client)
        {
            try
            {
                using var request = new MemoryStream();
                var buffer = new byte[16 * 1024];
                int n;
                while ((n = await client.ReceiveAsync(buffer)) > 0) request.Write(buffer, 0, n);
                var decoded = CniAgentProtocol.DecodeRequest(request.GetBuffer().AsSpan(0, (int)request.Length));
                if (decoded is not { } invocation || invocation.Netns != netns || !plugins.TryGetValue(invocation.Plugin, out var plugin))
                {
                    await client.SendAsync(CniAgentProtocol.EncodeRefusal());
                    return;
                }
                using var stdout = new MemoryStream();
                var code = await CniSkel.RunAsync(plugin, invocation.Env, new MemoryStream(invocation.Stdin), stdout);
                await client.SendAsync(CniAgentProtocol.EncodeAnswer(code, stdout.GetBuffer().AsSpan(0, (int)stdout.Length).ToArray()));
            }
            catch (SocketException e)
            {
                log.WriteLine($"cninet-node: a plugin connection failed: {e.Message}");
            }
        }
    }
}
