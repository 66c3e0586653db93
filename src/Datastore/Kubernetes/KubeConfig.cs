using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using CniNet.Datastore.Http;
using CniNet.Model.Documents;

namespace CniNet.Datastore.Kubernetes;

/// <summary>
/// How to reach and authenticate to the Kubernetes API, read as kubectl reads it: a kubeconfig's current context (its
/// cluster's server, CA as data or file, <c>insecure-skip-tls-verify</c>; its user's bearer token, token file, or client
/// certificate and key as data or files), or the pod's service account when running in the cluster.
/// </summary>
public sealed class KubeConfig
{
    private const string ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

    private KubeConfig(Uri server, Http1Tls tls, string? token, string? tokenFile)
    {
        Server = server;
        Tls = tls;
        _token = token;
        _tokenFile = tokenFile;
    }

    private readonly string? _token;
    private readonly string? _tokenFile;

    public Uri Server { get; }

    public Http1Tls Tls { get; }

    /// <summary>The Authorization header; a token file is read on each call because kubelet rotates projected tokens.</summary>
    public string? Authorization()
    {
        var token = _tokenFile is null ? _token : File.ReadAllText(_tokenFile).Trim();
        return string.IsNullOrEmpty(token) ? null : "Bearer " + token;
    }

    /// <summary>The kubeconfig at <paramref name="path"/>; an empty path means the in-cluster service account.</summary>
    public static KubeConfig Load(string? path)
    {
        if (string.IsNullOrEmpty(path)) return InCluster();
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Invalid(path, e.Message, e);
        }
        return Parse(text, Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/", path);
    }

    /// <summary>A kubeconfig's text; relative file names in it are relative to <paramref name="directory"/>.</summary>
    public static KubeConfig Parse(string text, string directory, string source = "kubeconfig")
    {
        JsonObject root;
        try
        {
            root = YamlJson.Documents(text).FirstOrDefault() as JsonObject ?? throw Invalid(source, "not a kubeconfig mapping");
        }
        catch (ResourceParseException e)
        {
            throw Invalid(source, e.Message, e);
        }
        var contextName = Text(root, "current-context") ?? throw Invalid(source, "current-context is not set");
        var context = Named(root, "contexts", contextName, "context") ?? throw Invalid(source, $"context \"{contextName}\" is not defined");
        var clusterName = Text(context, "cluster") ?? throw Invalid(source, $"context \"{contextName}\" names no cluster");
        var cluster = Named(root, "clusters", clusterName, "cluster") ?? throw Invalid(source, $"cluster \"{clusterName}\" is not defined");
        var user = Text(context, "user") is { } userName ? Named(root, "users", userName, "user") ?? throw Invalid(source, $"user \"{userName}\" is not defined") : new JsonObject();
        if (!Uri.TryCreate(Text(cluster, "server"), UriKind.Absolute, out var server) || server.Scheme is not ("https" or "http"))
            throw Invalid(source, $"cluster \"{clusterName}\" has no http(s) server URL");
        try
        {
            var ca = Pem(cluster, "certificate-authority", directory);
            var cert = Pem(user, "client-certificate", directory);
            var key = Pem(user, "client-key", directory);
            var tokenFile = Text(user, "tokenFile") is { } file ? Path.Combine(directory, file) : null;
            return new KubeConfig(server, TlsOf(ca, cert, key, cluster["insecure-skip-tls-verify"]?.GetValue<bool>() == true), Text(user, "token"), tokenFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or FormatException or InvalidOperationException)
        {
            throw Invalid(source, e.Message, e);
        }
    }

    /// <summary>The pod's own service account, as client-go's in-cluster config finds it.</summary>
    public static KubeConfig InCluster(string serviceAccountDir = ServiceAccountDir)
    {
        var host = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST");
        var port = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
            throw Invalid("in-cluster configuration", "no kubeconfig given and KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set");
        try
        {
            var ca = File.ReadAllText(Path.Combine(serviceAccountDir, "ca.crt"));
            var authority = host.Contains(':') ? $"[{host}]:{port}" : $"{host}:{port}";
            return new KubeConfig(new Uri($"https://{authority}"), TlsOf(ca, null, null, false), null, Path.Combine(serviceAccountDir, "token"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw Invalid("in-cluster configuration", e.Message, e);
        }
    }

    private static Http1Tls TlsOf(string? caPem, string? certPem, string? keyPem, bool insecure)
    {
        X509Certificate2Collection? ca = null;
        if (caPem is not null)
        {
            ca = [];
            ca.ImportFromPem(caPem);
            if (ca.Count == 0) throw new CryptographicException("the certificate authority holds no PEM certificate");
        }
        if ((certPem is null) != (keyPem is null)) throw new CryptographicException("a client certificate needs both the certificate and the key");
        var client = certPem is null ? null : X509Certificate2.CreateFromPem(certPem, keyPem);
        return new Http1Tls(ca, client, insecure);
    }

    /// <summary>A PEM given inline as <c>NAME-data</c> (base64) or as a file <c>NAME</c>.</summary>
    private static string? Pem(JsonObject section, string name, string directory) =>
        Text(section, name + "-data") is { } data ? Encoding.UTF8.GetString(Convert.FromBase64String(data))
        : Text(section, name) is { } file ? File.ReadAllText(Path.Combine(directory, file))
        : null;

    private static JsonObject? Named(JsonObject root, string list, string name, string field) =>
        (root[list] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(e => Text(e, "name") == name)?[field] as JsonObject;

    private static string? Text(JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

    private static DatastoreException Invalid(string source, string message, Exception? inner = null) =>
        new(DatastoreErrorCode.Unavailable, $"{source}: {message}", inner: inner);
}
