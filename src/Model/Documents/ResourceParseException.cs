namespace CniNet.Model.Documents;

/// <summary>Input that is not a well-formed resource document; the message names the document and place.</summary>
public sealed class ResourceParseException(string message, Exception? inner = null) : Exception(message, inner);
