using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CniNet.Tests;

/// <summary>
/// An in-process stand-in for the Kubernetes API server, because none can run here. It keeps what the datastore relies
/// on faithfully: objects under their REST paths, one cluster-wide resourceVersion counter, uid and
/// creationTimestamp, 409 AlreadyExists on create, 409 Conflict on a PUT or PATCH with a stale resourceVersion and on
/// DELETE preconditions (uid, resourceVersion), 404 Status objects, JSON merge patch (also the <c>/status</c>
/// subresource), paged lists (<c>limit</c>/<c>continue</c>), watches as a chunked stream of event lines with
/// bookmarks, ERROR 410 for a resourceVersion older than the compacted history, bearer-token 401, and injected 429/500.
/// It serves HTTP/1.1, or HTTPS with a client certificate demanded when given a server certificate.
/// </summary>
public sealed class FakeKubeApiServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly object _lock = new();
    private readonly SortedDictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly List<(long Revision, string Collection, string Type, JsonObject Object)> _history = [];
    private readonly List<string> _paths = [];
    private readonly X509Certificate2? _serverCertificate;
    private readonly X509Certificate2? _clientCa;
    private long _revision = 100;
    private long _compacted;
    private int _injectedFailures;
    private int _injectedStatus;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="token">The bearer token every request must carry; null accepts any request.</param>
    /// <param name="listener">A bound, listening socket (one made inside a test's network namespace); default loopback.</param>
    /// <param name="tls">Serve HTTPS with this certificate and, when <c>ClientCa</c> is given, demand a client certificate it signed.</param>
    public FakeKubeApiServer(string? token = null, Socket? listener = null, (X509Certificate2 Server, X509Certificate2? ClientCa)? tls = null)
    {
        Token = token;
        _serverCertificate = tls?.Server;
        _clientCa = tls?.ClientCa;
        _listener = listener ?? Loopback();
        var port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        var host = ((IPEndPoint)_listener.LocalEndPoint!).Address;
        Endpoint = new Uri($"{(tls is null ? "http" : "https")}://{host}:{port}");
        _accepting = Task.Run(AcceptAsync);
    }

    public string? Token { get; }

    public Uri Endpoint { get; }

    /// <summary>Requests answered so far, by method.</summary>
    public Dictionary<string, int> Requests { get; } = [];

    /// <summary>Every request (watches too) as method and path without the query (<c>GET /api/v1/namespaces/x/secrets/y</c>), in order.</summary>
    public IReadOnlyList<string> Paths
    {
        get
        {
            lock (_lock) return [.. _paths];
        }
    }

    /// <summary>The <c>labelSelector</c> of every list request, in order.</summary>
    public List<string> LabelSelectors { get; } = [];

    public static Socket Loopback(IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        socket.Listen(128);
        return socket;
    }

    /// <summary>A kubeconfig file for this server (bearer token, or the client certificate and CA given as data).</summary>
    public string WriteKubeconfig(string directory, string? token = null, string? caPem = null, string? clientCertPem = null, string? clientKeyPem = null)
    {
        static string B64(string pem) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));
        var cluster = new StringBuilder($"    server: {Endpoint}\n");
        if (caPem is not null) cluster.Append($"    certificate-authority-data: {B64(caPem)}\n");
        var user = new StringBuilder();
        if (token is not null) user.Append($"    token: {token}\n");
        if (clientCertPem is not null) user.Append($"    client-certificate-data: {B64(clientCertPem)}\n    client-key-data: {B64(clientKeyPem!)}\n");
        var text = $"""
            apiVersion: v1
            kind: Config
            current-context: fake
            contexts:
            - name: fake
              context:
                cluster: fake-cluster
                user: fake-user
            clusters:
            - name: fake-cluster
              cluster:
            {cluster.ToString().TrimEnd('\n')}
            users:
            - name: fake-user
              user:
            {(user.Length == 0 ? "    {}" : user.ToString().TrimEnd('\n'))}

            """;
        var path = Path.Combine(directory, $"kubeconfig-{Guid.NewGuid():N}");
        File.WriteAllText(path, text.Replace("\n    {}", " {}"));
        return path;
    }

    /// <summary>The next <paramref name="count"/> requests are answered with <paramref name="status"/> (429, 500...).</summary>
    public void FailNext(int status, int count)
    {
        lock (_lock)
        {
            _injectedStatus = status;
            _injectedFailures = count;
        }
    }

    /// <summary>Forgets watch history up to and including <paramref name="revision"/>, as the API server's etcd compaction does.</summary>
    public void Compact(long revision)
    {
        lock (_lock)
        {
            _compacted = Math.Max(_compacted, revision);
            _history.RemoveAll(h => h.Revision <= revision);
        }
    }

    /// <summary>Stores an object directly (a Pod or Node the cluster made), as the API would after a create.</summary>
    public JsonObject Seed(string collectionPath, JsonObject obj)
    {
        var (status, body) = Handle("POST", collectionPath, Encoding.UTF8.GetBytes(obj.ToJsonString()), null);
        if (status != 201) throw new InvalidOperationException($"seeding {collectionPath}: {status} {body}");
        return (JsonObject)JsonNode.Parse(body)!;
    }

    /// <summary>The stored object at an object path, or null.</summary>
    public JsonObject? Get(string objectPath)
    {
        lock (_lock) return _objects.TryGetValue(Route.Parse(objectPath)!.Key, out var obj) ? (JsonObject)obj.DeepClone() : null;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        Stream stream = new NetworkStream(client, ownsSocket: true);
        try
        {
            if (_serverCertificate is not null)
            {
                var ssl = new SslStream(stream, false, _clientCa is null ? null : ClientSignedByCa);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _serverCertificate, ClientCertificateRequired = _clientCa is not null,
                }, _stop.Token);
                stream = ssl;
            }
            var reader = new RequestReader(stream);
            while (await reader.ReadAsync(_stop.Token) is { } request)
            {
                lock (_lock) _paths.Add($"{request.Method} {request.Target.Split('?')[0]}");
                if (request.Watch)
                {
                    await WatchAsync(stream, request);
                    return;
                }
                var (status, body) = Authorized(request.Authorization) ? Handle(request.Method, request.Target, request.Body, request.Query) : Unauthorized();
                var bytes = Encoding.UTF8.GetBytes(body);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 {status} {(status < 300 ? "OK" : "Error")}\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\n\r\n"), _stop.Token);
                await stream.WriteAsync(bytes, _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException
                                      or System.Security.Authentication.AuthenticationException)
        {
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    private bool ClientSignedByCa(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(_clientCa!);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
    }

    private bool Authorized(string? authorization) => Token is null || authorization == "Bearer " + Token;

    private static (int, string) Unauthorized() => (401, StatusJson(401, "Unauthorized", "Unauthorized"));

    private (int Status, string Body) Handle(string method, string target, byte[] body, Dictionary<string, string>? query)
    {
        lock (_lock)
        {
            Requests[method] = Requests.GetValueOrDefault(method) + 1;
            if (_injectedFailures > 0)
            {
                _injectedFailures--;
                return (_injectedStatus, StatusJson(_injectedStatus, _injectedStatus == 429 ? "TooManyRequests" : "InternalError", "injected failure"));
            }
            if (Route.Parse(target) is not { } route) return (404, StatusJson(404, "NotFound", $"the server could not find the requested resource ({target})"));
            var input = body.Length == 0 ? null : JsonNode.Parse(body) as JsonObject;
            return (method, route.Name) switch
            {
                ("GET", null) => List(route, query ?? []),
                ("GET", _) => _objects.TryGetValue(route.Key, out var found) ? (200, found.ToJsonString()) : NotFound(route),
                ("POST", null) => Create(route, input!),
                ("PUT", _) => Replace(route, input!),
                ("PATCH", _) => Patch(route, input!),
                ("DELETE", _) => Delete(route, input),
                _ => (405, StatusJson(405, "MethodNotAllowed", $"{method} is not supported on {target}")),
            };
        }
    }

    private (int, string) List(Route route, Dictionary<string, string> query)
    {
        var limit = query.TryGetValue("limit", out var l) ? int.Parse(l, CultureInfo.InvariantCulture) : int.MaxValue;
        var after = query.GetValueOrDefault("continue");
        var selector = query.GetValueOrDefault("labelSelector");
        if (selector is not null) LabelSelectors.Add(selector);
        var requirements = selector is null ? [] : Requirements(selector);
        var matching = _objects.Where(o => route.Contains(o.Key) && (after is null || string.CompareOrdinal(o.Key, after) > 0)
                                           && requirements.All(r => r(o.Value["metadata"]?["labels"] as JsonObject))).ToList();
        var page = matching.Take(limit).ToList();
        var meta = new JsonObject { ["resourceVersion"] = _revision.ToString(CultureInfo.InvariantCulture) };
        if (matching.Count > page.Count) meta["continue"] = page[^1].Key;
        var list = new JsonObject
        {
            ["apiVersion"] = route.ApiVersion, ["kind"] = "List", ["metadata"] = meta,
            ["items"] = new JsonArray(page.Select(p => (JsonNode)p.Value.DeepClone()).ToArray()),
        };
        return (200, list.ToJsonString());
    }

    /// <summary>Kubernetes' label-selector grammar: <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>, <c>k notin (a,b)</c>, <c>k</c>, <c>!k</c>.</summary>
    private static List<Func<JsonObject?, bool>> Requirements(string selector)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i <= selector.Length; i++)
        {
            if (i < selector.Length && selector[i] == '(') depth++;
            else if (i < selector.Length && selector[i] == ')') depth--;
            else if (i == selector.Length || (selector[i] == ',' && depth == 0))
            {
                parts.Add(selector[start..i].Trim());
                start = i + 1;
            }
        }
        static string? Value(JsonObject? labels, string key) => (string?)labels?[key];
        return parts.Where(p => p.Length > 0).Select<string, Func<JsonObject?, bool>>(p =>
        {
            var set = System.Text.RegularExpressions.Regex.Match(p, @"^(\S+)\s+(in|notin)\s+\((.*)\)$");
            if (set.Success)
            {
                var values = set.Groups[3].Value.Split(',').Select(v => v.Trim()).ToHashSet();
                var key = set.Groups[1].Value;
                return set.Groups[2].Value == "in"
                    ? labels => Value(labels, key) is { } v && values.Contains(v)
                    : labels => Value(labels, key) is not { } v || !values.Contains(v);
            }
            if (p.Contains("!=")) { var (k, v) = (p[..p.IndexOf("!=")], p[(p.IndexOf("!=") + 2)..]); return labels => Value(labels, k) != v; }
            if (p.Contains('=')) { var (k, v) = (p[..p.IndexOf('=')], p[(p.LastIndexOf('=') + 1)..]); return labels => Value(labels, k) == v; }
            if (p.StartsWith('!')) return labels => Value(labels, p[1..]) is null;
            return labels => Value(labels, p) is not null;
        }).ToList();
    }

    private (int, string) Create(Route route, JsonObject obj)
    {
        var meta = obj["metadata"] as JsonObject ?? [];
        var name = (string?)meta["name"];
        if (string.IsNullOrEmpty(name)) return (422, StatusJson(422, "Invalid", "metadata.name: Required value"));
        var target = route with { Name = name };
        if (_objects.ContainsKey(target.Key)) return (409, StatusJson(409, "AlreadyExists", $"{route.Plural} \"{name}\" already exists"));
        if (route.Namespace.Length > 0) meta["namespace"] = route.Namespace;
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        obj["metadata"] = meta;
        return (201, Store(target, obj, "ADDED").ToJsonString());
    }

    private (int, string) Replace(Route route, JsonObject obj)
    {
        if (!_objects.TryGetValue(route.Key, out var current)) return NotFound(route);
        var meta = obj["metadata"] as JsonObject ?? [];
        if (Precondition(current, (string?)meta["resourceVersion"], (string?)meta["uid"]) is { } failed) return failed;
        meta["uid"] = current["metadata"]!["uid"]!.DeepClone();
        meta["creationTimestamp"] = current["metadata"]!["creationTimestamp"]!.DeepClone();
        obj["metadata"] = meta;
        return (200, Store(route, obj, "MODIFIED").ToJsonString());
    }

    private (int, string) Patch(Route route, JsonObject patch)
    {
        if (!_objects.TryGetValue(route.Key, out var current)) return NotFound(route);
        var meta = patch["metadata"] as JsonObject;
        if (Precondition(current, (string?)meta?["resourceVersion"], (string?)meta?["uid"]) is { } failed) return failed;
        var next = (JsonObject)current.DeepClone();
        MergePatch(next, patch);
        return (200, Store(route, next, "MODIFIED").ToJsonString());
    }

    private (int, string) Delete(Route route, JsonObject? options)
    {
        if (!_objects.TryGetValue(route.Key, out var current)) return NotFound(route);
        var pre = options?["preconditions"] as JsonObject;
        if (Precondition(current, (string?)pre?["resourceVersion"], (string?)pre?["uid"]) is { } failed) return failed;
        _objects.Remove(route.Key);
        var gone = (JsonObject)current.DeepClone();
        gone["metadata"]!["resourceVersion"] = (++_revision).ToString(CultureInfo.InvariantCulture);
        Record(route, "DELETED", gone);
        return (200, gone.ToJsonString());
    }

    private static (int, string)? Precondition(JsonObject current, string? resourceVersion, string? uid)
    {
        if (resourceVersion is not null && resourceVersion != (string?)current["metadata"]!["resourceVersion"])
            return (409, StatusJson(409, "Conflict", $"Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again (resourceVersion {resourceVersion})"));
        if (uid is not null && uid != (string?)current["metadata"]!["uid"])
            return (409, StatusJson(409, "Conflict", $"Precondition failed: UID in precondition: {uid}, UID in object meta: {current["metadata"]!["uid"]}"));
        return null;
    }

    private JsonObject Store(Route route, JsonObject obj, string type)
    {
        var meta = (JsonObject)obj["metadata"]!;
        meta["name"] = route.Name;
        if (route.Namespace.Length > 0) meta["namespace"] = route.Namespace;
        meta["resourceVersion"] = (++_revision).ToString(CultureInfo.InvariantCulture);
        obj["apiVersion"] ??= route.ApiVersion;
        _objects[route.Key] = obj;
        Record(route, type, obj);
        return obj;
    }

    private void Record(Route route, string type, JsonObject obj)
    {
        _history.Add((_revision, route.Key, type, (JsonObject)obj.DeepClone()));
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.SetResult();
    }

    /// <summary>RFC 7386: objects merge recursively, null removes, anything else replaces.</summary>
    private static void MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch.ToList())
        {
            if (value is null) target.Remove(name);
            else if (value is JsonObject sub && target[name] is JsonObject existing) MergePatch(existing, sub);
            else target[name] = value.DeepClone();
        }
    }

    private static (int, string) NotFound(Route route) => (404, StatusJson(404, "NotFound", $"{route.Plural} \"{route.Name}\" not found"));

    private static string StatusJson(int code, string reason, string message) => new JsonObject
    {
        ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["message"] = message, ["reason"] = reason, ["code"] = code,
    }.ToJsonString();

    private async Task WatchAsync(Stream stream, Request request)
    {
        var route = Route.Parse(request.Target);
        if (!Authorized(request.Authorization) || route is null)
        {
            var (status, body) = route is null ? NotFound(new Route("", "", "", null)) : Unauthorized();
            var bytes = Encoding.UTF8.GetBytes(body);
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status} Error\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\n\r\n"), _stop.Token);
            await stream.WriteAsync(bytes, _stop.Token);
            return;
        }
        await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray(), _stop.Token);
        var from = long.Parse(request.Query.GetValueOrDefault("resourceVersion", "0"), CultureInfo.InvariantCulture);
        var bookmarks = request.Query.GetValueOrDefault("allowWatchBookmarks") == "true";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        if (request.Query.TryGetValue("timeoutSeconds", out var seconds)) timeout.CancelAfter(TimeSpan.FromSeconds(int.Parse(seconds, CultureInfo.InvariantCulture)));
        try
        {
            while (!timeout.IsCancellationRequested)
            {
                List<JsonObject> events;
                Task changed;
                bool expired;
                lock (_lock)
                {
                    // "0" means from now, without the synthetic ADDED events a real server would send first.
                    if (from == 0) from = _revision;
                    expired = from < _compacted;
                    var pending = expired ? [] : _history.Where(h => h.Revision > from && route.Contains(h.Collection)).ToList();
                    events = expired
                        ? [new JsonObject { ["type"] = "ERROR", ["object"] = JsonNode.Parse(StatusJson(410, "Expired", $"too old resource version: {from} ({_compacted})")) }]
                        : pending.Select(h => new JsonObject { ["type"] = h.Type, ["object"] = h.Object.DeepClone() }).ToList();
                    // Nothing of this collection happened up to now: later compactions of that range concern it no more.
                    from = pending.Count > 0 ? pending[^1].Revision : Math.Max(from, _revision);
                    changed = _changed.Task;
                }
                foreach (var e in events) await Chunk(stream, e, timeout.Token);
                if (expired) break;
                if (await Task.WhenAny(changed, Task.Delay(TimeSpan.FromSeconds(1), timeout.Token)) != changed && bookmarks)
                    await Chunk(stream, new JsonObject { ["type"] = "BOOKMARK", ["object"] = new JsonObject { ["metadata"] = new JsonObject { ["resourceVersion"] = from.ToString(CultureInfo.InvariantCulture) } } }, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), CancellationToken.None);
    }

    private static async Task Chunk(Stream stream, JsonObject message, CancellationToken ct)
    {
        var line = Encoding.UTF8.GetBytes(message.ToJsonString() + "\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{line.Length:x}\r\n"), ct);
        await stream.WriteAsync(line, ct);
        await stream.WriteAsync("\r\n"u8.ToArray(), ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        _stop.Dispose();
    }

    /// <summary>Where a REST path points: a collection (group/version/plural, optionally one namespace) or one object in it.</summary>
    private sealed record Route(string ApiVersion, string Plural, string Namespace, string? Name)
    {
        public string Collection => $"{ApiVersion}/{Plural}";

        public string Key => $"{Collection}/{Namespace}/{Name}";

        /// <summary>Whether an object key lies in this collection (and this namespace, when the route names one).</summary>
        public bool Contains(string key) =>
            key.StartsWith(Collection + "/", StringComparison.Ordinal)
            && (Namespace.Length == 0 || key.StartsWith($"{Collection}/{Namespace}/", StringComparison.Ordinal));

        public static Route? Parse(string path)
        {
            var parts = path.Split('?')[0].Trim('/').Split('/').Select(Uri.UnescapeDataString).ToList();
            string apiVersion;
            if (parts.Count >= 2 && parts[0] == "api") { apiVersion = parts[1]; parts = parts[2..]; }
            else if (parts.Count >= 3 && parts[0] == "apis") { apiVersion = $"{parts[1]}/{parts[2]}"; parts = parts[3..]; }
            else return null;
            var ns = "";
            if (parts.Count >= 3 && parts[0] == "namespaces") { ns = parts[1]; parts = parts[2..]; }
            // A "/status" suffix addresses the same object (the status subresource).
            if (parts.Count == 3 && parts[2] == "status") parts = parts[..2];
            return parts.Count switch
            {
                1 => new Route(apiVersion, parts[0], ns, null),
                2 => new Route(apiVersion, parts[0], ns, parts[1]),
                _ => null,
            };
        }
    }

    private sealed record Request(string Method, string Target, Dictionary<string, string> Query, string? Authorization, byte[] Body)
    {
        public bool Watch => Method == "GET" && Query.GetValueOrDefault("watch") is "true" or "1";
    }

    /// <summary>Reads HTTP/1.1 requests (request line, headers, a Content-Length body) off one connection.</summary>
    private sealed class RequestReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public async Task<Request?> ReadAsync(CancellationToken ct)
        {
            var requestLine = await LineAsync(ct);
            if (requestLine is null) return null;
            var parts = requestLine.Split(' ');
            string? authorization = null;
            var length = 0;
            while (await LineAsync(ct) is { Length: > 0 } header)
            {
                var colon = header.IndexOf(':');
                var name = header[..colon].Trim();
                var value = header[(colon + 1)..].Trim();
                if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)) authorization = value;
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) length = int.Parse(value, CultureInfo.InvariantCulture);
            }
            var body = new byte[length];
            var filled = 0;
            while (filled < length)
            {
                if (_start == _end && !await FillAsync(ct)) return null;
                var n = Math.Min(length - filled, _end - _start);
                Array.Copy(_buffer, _start, body, filled, n);
                _start += n;
                filled += n;
            }
            var target = parts[1];
            var query = new Dictionary<string, string>();
            if (target.IndexOf('?') is var q and >= 0)
                foreach (var pair in target[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
                {
                    var eq = pair.IndexOf('=');
                    query[eq < 0 ? pair : pair[..eq]] = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
                }
            return new Request(parts[0], target, query, authorization, body);
        }

        private async Task<string?> LineAsync(CancellationToken ct)
        {
            while (true)
            {
                var at = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (at >= 0)
                {
                    var line = Encoding.ASCII.GetString(_buffer, _start, at - _start).TrimEnd('\r');
                    _start = at + 1;
                    return line;
                }
                if (!await FillAsync(ct)) return null;
            }
        }

        private async Task<bool> FillAsync(CancellationToken ct)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
            _end += read;
            return read > 0;
        }
    }
}
