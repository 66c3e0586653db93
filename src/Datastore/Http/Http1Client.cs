using System.Collections.Concurrent;

namespace CniNet.Datastore.Http;

/// <summary>
/// A small HTTP/1.1 client for the datastore backends: a request, the answer read whole or as a stream, kept-alive
/// connections reused per endpoint, TLS for https endpoints. It exists because <c>HttpClient</c> brings HTTP/2, HTTP/3, QUIC and TLS into every
/// executable that links a backend, and a CNI plugin pays for each linked type at every start (once per pod); a
/// datastore answer needs none of that.
/// </summary>
public sealed class Http1Client(TimeSpan connectTimeout, Http1Tls? tls = null) : IDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<Http1Connection>> _idle = new(StringComparer.Ordinal);

    /// <summary>Sends the request and reads the whole answer; the connection goes back to the pool when it can be reused.</summary>
    /// <exception cref="Http1ConnectException">No connection could be made: nothing was sent.</exception>
    /// <exception cref="IOException">The connection failed after the request was (perhaps) sent.</exception>
    public async Task<Http1Response> SendAsync(Uri endpoint, Http1Request request, CancellationToken ct)
    {
        var connection = await RentAsync(endpoint, ct);
        try
        {
            await connection.WriteRequestAsync(endpoint, request, ct);
            var head = await connection.ReadHeadAsync(ct);
            var content = await connection.ReadBodyAsync(head, ct);
            if (head.KeepAlive) Return(endpoint, connection);
            else connection.Dispose();
            return new Http1Response(head.Status, content);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends the request on a connection of its own and returns the status and the body as a stream (a watch); disposing
    /// the stream closes the connection.
    /// </summary>
    public async Task<(int Status, Stream Body)> SendStreamingAsync(Uri endpoint, Http1Request request, CancellationToken ct)
    {
        var connection = await Http1Connection.OpenAsync(endpoint, connectTimeout, tls, ct);
        try
        {
            await connection.WriteRequestAsync(endpoint, request, ct);
            var head = await connection.ReadHeadAsync(ct);
            return (head.Status, connection.BodyStream(head));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private async Task<Http1Connection> RentAsync(Uri endpoint, CancellationToken ct)
    {
        if (_idle.TryGetValue(endpoint.Authority, out var bag))
        {
            while (bag.TryTake(out var idle))
            {
                if (idle.IsReusable) return idle;
                idle.Dispose();
            }
        }
        return await Http1Connection.OpenAsync(endpoint, connectTimeout, tls, ct);
    }

    private void Return(Uri endpoint, Http1Connection connection) =>
        _idle.GetOrAdd(endpoint.Authority, _ => []).Add(connection);

    public void Dispose()
    {
        foreach (var bag in _idle.Values)
            while (bag.TryTake(out var connection)) connection.Dispose();
    }
}
