namespace CniNet.Cni;

/// <summary>A failure that is reported to the runtime as a CNI error object.</summary>
public sealed class CniException(CniErrorCode code, string message, string? details = null, Exception? inner = null)
    : Exception(message, inner)
{
    public CniErrorCode Code { get; } = code;

    public string? Details { get; } = details;
}
