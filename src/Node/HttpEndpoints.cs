using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CniNet.Node;

/// <summary>
/// A tiny HTTP/1.1 server for Felix's health and metrics ports (the agent is Native AOT, so no ASP.NET): each
/// connection carries one GET, answered from <paramref name="routes"/> by path (query ignored) and closed; an unknown
/// path is 404, another method 405.
/// </summary>
internal sealed class HttpEndpoints(IPEndPoint endpoint, IReadOnlyDictionary<string, Func<HttpAnswer>> routes, TextWriter log)
{
    private const int MaxRequestHead = 8 * 1024;

    public async Task RunAsync(CancellationToken ct)
    {
        var listener = new TcpListener(endpoint);
        listener.Start();
        log.WriteLine($"cninet-node: serving {string.Join(", ", routes.Keys)} on http://{endpoint}");
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var client = await listener.AcceptSocketAsync(ct);
                _ = Task.Run(() => ServeAsync(client, ct));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            listener.Stop();
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken ct)
    {
        using (client)
        {
            try
            {
                var head = await ReadHeadAsync(client, ct);
                var requestLine = head[..Math.Max(0, head.IndexOf("\r\n", StringComparison.Ordinal))].Split(' ');
                var answer = requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal)
                    ? new HttpAnswer(400, "bad request\n")
                    : requestLine[0] is not ("GET" or "HEAD")
                        ? new HttpAnswer(405, "method not allowed\n")
                        : routes.TryGetValue(requestLine[1].Split('?')[0], out var route)
                            ? route()
                            : new HttpAnswer(404, "not found\n");
                var body = Encoding.UTF8.GetBytes(answer.Body);
                var response = new StringBuilder()
                    .Append("HTTP/1.1 ").Append(answer.Status).Append(' ').Append(Reason(answer.Status)).Append("\r\n")
                    .Append("Content-Type: ").Append(answer.ContentType).Append("\r\n")
                    .Append("Content-Length: ").Append(body.Length).Append("\r\n")
                    .Append("Connection: close\r\n\r\n");
                await client.SendAsync(Encoding.ASCII.GetBytes(response.ToString()), ct);
                if (requestLine[0] != "HEAD") await client.SendAsync(body, ct);
            }
            catch (Exception e) when (e is SocketException or InvalidDataException or OperationCanceledException)
            {
                if (!ct.IsCancellationRequested) log.WriteLine($"cninet-node: an HTTP request on {endpoint} failed: {e.Message}");
            }
        }
    }

    /// <summary>The request line and headers, up to the blank line.</summary>
    private static async Task<string> ReadHeadAsync(Socket client, CancellationToken ct)
    {
        var buffer = new byte[MaxRequestHead];
        var length = 0;
        while (true)
        {
            var n = await client.ReceiveAsync(buffer.AsMemory(length), ct);
            if (n == 0) throw new InvalidDataException("the connection closed before the request head ended");
            length += n;
            var head = Encoding.ASCII.GetString(buffer, 0, length);
            if (head.Contains("\r\n\r\n", StringComparison.Ordinal)) return head;
            if (length == buffer.Length) throw new InvalidDataException($"a request head longer than {MaxRequestHead} bytes");
        }
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        503 => "Service Unavailable",
        _ => "Unknown",
    };
}
