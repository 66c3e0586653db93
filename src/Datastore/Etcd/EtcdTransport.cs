using System.Net.Http.Headers;
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
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _http;
    private readonly IReadOnlyList<Uri> _endpoints;
    private readonly TimeSpan _requestTimeout;
    private int _current;
    private long _requests;

    public EtcdTransport(IReadOnlyList<Uri> endpoints, TimeSpan requestTimeout)
    {
        if (endpoints.Count == 0) throw new ArgumentException("at least one etcd endpoint is needed", nameof(endpoints));
        _endpoints = endpoints;
        _requestTimeout = requestTimeout;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), UseProxy = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
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
            using var response = await SendAsync(path, JsonSerializer.SerializeToUtf8Bytes(body, requestType), HttpCompletionOption.ResponseContentRead, timeout.Token);
            var content = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            return JsonSerializer.Deserialize(content, responseType)
                   ?? throw new DatastoreException(DatastoreErrorCode.Unavailable, $"etcd {path}: empty answer");
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new DatastoreException(DatastoreErrorCode.Unavailable, $"etcd {path} at {Endpoints}: no answer within {_requestTimeout.TotalSeconds:0} s", inner: e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException)
        {
            throw new DatastoreException(DatastoreErrorCode.Unavailable, $"etcd {path} at {Endpoints}: {e.Message}", inner: e);
        }
    }

    /// <summary>Opens a streaming request (a watch); the caller reads and disposes the response.</summary>
    public async Task<HttpResponseMessage> OpenStreamAsync<TRequest>(string path, TRequest body, JsonTypeInfo<TRequest> requestType, CancellationToken ct)
    {
        try
        {
            return await SendAsync(path, JsonSerializer.SerializeToUtf8Bytes(body, requestType), HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new DatastoreException(DatastoreErrorCode.Unavailable, $"etcd {path} at {Endpoints}: {e.Message}", inner: e);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string path, byte[] body, HttpCompletionOption completion, CancellationToken ct)
    {
        Interlocked.Increment(ref _requests);
        var first = Volatile.Read(ref _current);
        HttpRequestException? lastFailure = null;
        for (var attempt = 0; attempt < _endpoints.Count; attempt++)
        {
            var index = (first + attempt) % _endpoints.Count;
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_endpoints[index], path))
            {
                Content = new ByteArrayContent(body) { Headers = { ContentType = Json } },
            };
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, completion, ct);
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
            {
                lastFailure = e;
                continue;
            }
            Volatile.Write(ref _current, index);
            if (response.IsSuccessStatusCode) return response;
            using (response)
            {
                throw await ErrorOf(response, ct);
            }
        }
        throw new DatastoreException(DatastoreErrorCode.Unavailable,
            $"etcd is unreachable at {Endpoints} (ETCD_ENDPOINTS): {lastFailure?.Message}", inner: lastFailure);
    }

    private static async Task<Exception> ErrorOf(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
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
            : new EtcdRequestException(-1, $"HTTP {(int)response.StatusCode}: {text}");
    }

    public void Dispose() => _http.Dispose();
}
