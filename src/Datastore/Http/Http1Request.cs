namespace CniNet.Datastore.Http;

/// <summary>
/// What a backend asks: the method, the path with its query, an optional body, and the few headers a datastore API
/// needs (the Kubernetes API wants a bearer token and a patch content type; etcd's gateway only a JSON body).
/// </summary>
public sealed record Http1Request(string Method, string Path, byte[]? Body = null, string? ContentType = null, string? Authorization = null)
{
    public static Http1Request Post(string path, byte[] body, string contentType) => new("POST", path, body, contentType);
}
