using System.Text.Json;
using System.Text.Json.Nodes;
using CniNet.Datastore.Http;

namespace CniNet.Datastore.Kubernetes;

/// <summary>
/// The Kubernetes REST API over <see cref="Http1Client"/>: one request at a time per call, answers as JSON nodes,
/// failures as <see cref="DatastoreException"/> by the Status object's code and reason. 429 and 5xx answers are retried
/// with backoff (the API server sheds load that way); a request is never retried after a connection broke mid-way,
/// because a write may have landed.
/// </summary>
internal sealed class KubeApiClient : IDisposable
{
    public const string MergePatch = "application/merge-patch+json";
    public const string Json = "application/json";
    private const int MaxAttempts = 6;

    private readonly Http1Client _http;
    private readonly KubeConfig _config;
    private readonly TimeSpan _requestTimeout;
    private long _requests;

    public KubeApiClient(KubeConfig config, TimeSpan requestTimeout)
    {
        _config = config;
        _requestTimeout = requestTimeout;
        _http = new Http1Client(TimeSpan.FromSeconds(5), config.Tls);
    }

    public long Requests => Interlocked.Read(ref _requests);

    public Uri Server => _config.Server;

    /// <summary>Sends and returns the answer's object; null for a 404 when <paramref name="notFoundIsNull"/>.</summary>
    public async Task<JsonObject?> SendAsync(string method, string path, JsonNode? body, CancellationToken ct,
        string contentType = Json, ResourceKey? key = null, bool notFoundIsNull = false)
    {
        var bytes = body is null ? null : Bytes(body);
        for (var attempt = 1; ; attempt++)
        {
            Interlocked.Increment(ref _requests);
            Http1Response response;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                timeout.CancelAfter(_requestTimeout);
                try
                {
                    response = await _http.SendAsync(_config.Server, new Http1Request(method, path, bytes, bytes is null ? null : contentType, _config.Authorization()), timeout.Token);
                }
                catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
                {
                    throw new DatastoreException(DatastoreErrorCode.Unavailable, $"Kubernetes API {method} {path} at {Server}: no answer within {_requestTimeout.TotalSeconds:0} s", key, e);
                }
                catch (Exception e) when (e is IOException or Http1ConnectException)
                {
                    throw new DatastoreException(DatastoreErrorCode.Unavailable, $"Kubernetes API at {Server} (kubeconfig): {e.Message}", key, e);
                }
            }
            if (response.IsSuccess) return Parse(response.Body) as JsonObject;
            if (response.Status == 404 && notFoundIsNull) return null;
            if ((response.Status == 429 || response.Status >= 500) && attempt < MaxAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 << attempt), ct);
                continue;
            }
            throw ErrorOf(method, path, response.Status, response.Body, key);
        }
    }

    /// <summary>Opens a watch: the body as a stream of JSON event lines, which the caller reads and disposes.</summary>
    public async Task<Stream> OpenWatchAsync(string path, CancellationToken ct)
    {
        Interlocked.Increment(ref _requests);
        int status;
        Stream body;
        try
        {
            (status, body) = await _http.SendStreamingAsync(_config.Server, new Http1Request("GET", path, Authorization: _config.Authorization()), ct);
        }
        catch (Exception e) when (e is IOException or Http1ConnectException)
        {
            throw new DatastoreException(DatastoreErrorCode.Unavailable, $"Kubernetes API watch at {Server}: {e.Message}", inner: e);
        }
        if (status is >= 200 and < 300) return body;
        await using (body)
        {
            using var content = new MemoryStream();
            await body.CopyToAsync(content, ct);
            throw ErrorOf("GET", path, status, content.ToArray(), null);
        }
    }

    /// <summary>Maps an error answer (a Kubernetes Status object, or anything else a proxy sent) to the seam's codes.</summary>
    public static DatastoreException ErrorOf(string method, string path, int status, byte[] body, ResourceKey? key)
    {
        var statusObject = Parse(body) as JsonObject;
        var reason = statusObject?["reason"] is JsonValue r && r.TryGetValue<string>(out var rs) ? rs : "";
        var message = statusObject?["message"] is JsonValue m && m.TryGetValue<string>(out var ms) ? ms : System.Text.Encoding.UTF8.GetString(body);
        var where = key?.ToString() ?? path;
        return status switch
        {
            401 => new DatastoreException(DatastoreErrorCode.Unauthorized, $"Kubernetes API refused the credentials (401 Unauthorized) for {method} {path}: check the kubeconfig's token or client certificate: {message}", key),
            403 => new DatastoreException(DatastoreErrorCode.Unauthorized, $"Kubernetes API forbids {method} {path} (403): the account needs RBAC for it: {message}", key),
            404 => new DatastoreException(DatastoreErrorCode.NotFound, $"resource does not exist: {where}", key),
            409 when reason == "AlreadyExists" => new DatastoreException(DatastoreErrorCode.AlreadyExists, $"resource already exists: {where}", key),
            409 => new DatastoreException(DatastoreErrorCode.Conflict, $"update conflict: {where}: {message}", key),
            410 => new DatastoreException(DatastoreErrorCode.Compacted, $"Kubernetes API: {message}", key),
            _ => new DatastoreException(DatastoreErrorCode.Unavailable, $"Kubernetes API {method} {path}: HTTP {status} {reason}: {message}", key),
        };
    }

    public static JsonNode? Parse(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty) return null;
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static byte[] Bytes(JsonNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) node.WriteTo(writer);
        return buffer.ToArray();
    }

    public void Dispose() => _http.Dispose();
}
