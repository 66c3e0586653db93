namespace CniNet.Linux;

/// <summary>
/// One message of a batch the kernel refused: the <see cref="NfTablesBatch.Origin"/> it was written under (-1 for
/// the commit itself, which answers on the batch's first message), the error and the kernel's explanation if any.
/// </summary>
public sealed record NfTablesFailure(int Origin, Errno Errno, string? KernelMessage);
