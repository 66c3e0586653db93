using CniNet.Datastore.Http;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace CniNet.Datastore.Etcd;

/// <summary>An error etcd answered with (not a transport failure): the gRPC code and message from the gateway.</summary>
internal sealed class EtcdRequestException(int code, string message) : Exception(message)
{
    public const int OutOfRange = 11;

    public int Code { get; } = code;

    public bool IsCompacted => Code == OutOfRange && Message.Contains("compacted", StringComparison.Ordinal);
}

/// <summary>
/// POSTs to etcd's JSON gateway. Endpoints are tried in turn, starting with the last one that answered; a request
/// moves on to the next endpoint only when the connection could not be made, so a txn is never sent twice.
/// </summary>
internal sealed class EtcdTransport : IDisposable
{
    private const string Json = "application/json";

    private readonly Http1Client _http;
    private readonly IReadOnlyList<Uri> _endpoints;
    private readonly TimeSpan _requestTimeout;
    private int _current;
    private long _requests;

    public EtcdTransport(IReadOnlyList<Uri> endpoints, TimeSpan requestTimeout, Http1Tls? tls)
    {
        _http = new Http1Client(TimeSpan.FromSeconds(5), tls);
        if (endpoints.Count == 0) throw new ArgumentException("at least one etcd endpoint is needed", nameof(endpoints));
        _endpoints = endpoints;
        _requestTimeout = requestTimeout;
    }

    /// <summary>HTTP requests sent so far, counting a request tried on several endpoints once.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    public string Endpoints => string.Join(", ", _endpoints);

    public async Task<TResponse> PostAsync<TRequest, TResponse>(string path, TRequest body, JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_requestTimeout);
        try
        {
            var response = await SendAsync(path, JsonSerializer.SerializeToUtf8Bytes(body, requestType),
                (endpoint, bytes) => _http.SendAsync(endpoint, Http1Request.Post(path, bytes, Json), timeout.Token));
            if (!response.IsSuccess) throw ErrorOf(response.Status, response.Text);
            return JsonSerializer.Deserialize(response.Body, responseType)
                   ?? throw new DatastoreException(DatastoreErrorCode.Unavailable, $"etcd {path}: empty answer");
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new DatastoreException(DatastoreErrorCode.Unavailable, $"etcd {path} at {Endpoints}: no answer within {_requestTimeout.TotalSeconds:0} s", inner: e);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            throw new DatastoreException(DatastoreErrorCode.Unavailable, $"etcd {path} at {Endpoints}: {e.Message}", inner: e);
        }
    }

    /// <summary>Opens a streaming request (a watch): the answer's body, which the caller reads and disposes.</summary>
    public async Task<Stream> OpenStreamAsync<TRequest>(string path, TRequest body, JsonTypeInfo<TRequest> requestType, CancellationToken ct)
    {
        try
        {
            var (status, stream) = await SendAsync(path, JsonSerializer.SerializeToUtf8Bytes(body, requestType),
                (endpoint, bytes) => _http.SendStreamingAsync(endpoint, Http1Request.Post(path, bytes, Json), ct));
            if (status is >= 200 and < 300) return stream;
            using var reader = new StreamReader(stream);
            throw ErrorOf(status, await reader.ReadToEndAsync(ct));
        }
        catch (IOException e)
        {
            throw new DatastoreException(DatastoreErrorCode.Unavailable, $"etcd {path} at {Endpoints}: {e.Message}", inner: e);
        }
    }

    private async Task<T> SendAsync<T>(string path, byte[] body, Func<Uri, byte[], Task<T>> send)
    {
        Interlocked.Increment(ref _requests);
        var first = Volatile.Read(ref _current);
        Http1ConnectException? lastFailure = null;
        for (var attempt = 0; attempt < _endpoints.Count; attempt++)
        {
            var index = (first + attempt) % _endpoints.Count;
            T answer;
            try
            {
                answer = await send(_endpoints[index], body);
            }
            catch (Http1ConnectException e)
            {
                lastFailure = e;
                continue;
            }
            Volatile.Write(ref _current, index);
            return answer;
        }
        throw new DatastoreException(DatastoreErrorCode.Unavailable,
            $"etcd is unreachable at {Endpoints} (ETCD_ENDPOINTS): {lastFailure?.Message}", inner: lastFailure);
    }

    private static EtcdRequestException ErrorOf(int status, string text)
    {
        EtcdError? error = null;
        try
        {
            error = JsonSerializer.Deserialize(text, EtcdJsonContext.Default.EtcdError);
        }
        catch (JsonException)
        {
            // Not the gateway's error shape (a proxy, or not etcd at all): report the raw answer.
        }
        return error is { Message: { } message }
            ? new EtcdRequestException(error.Code, message)
            : new EtcdRequestException(-1, $"HTTP {status}: {text}");
    }

    public void Dispose() => _http.Dispose();
}
