namespace CniNet.Node;

/// <summary>One response of <see cref="HttpEndpoints"/>.</summary>
internal sealed record HttpAnswer(int Status, string Body, string ContentType = "text/plain; charset=utf-8");
