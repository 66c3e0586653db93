namespace CniNet.Datastore.Http;

/// <summary>The TCP connection could not be made (refused, unreachable, timed out): the request was not sent.</summary>
public sealed class Http1ConnectException(string message, Exception inner) : IOException(message, inner);
