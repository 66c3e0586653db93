namespace CniNet.IpamCore;

public enum IpamErrorCode
{
    InvalidArgument,
    NoQualifiedPool,
    PoolNotFound,
    AlreadyAssigned,
    BlockLimit,
    NoFreeBlocks,
    BadSequenceNumber,
    BadHandle,
    AffinityMismatch,
    TooManyRetries,
    NotFound,
}

/// <summary>An IPAM failure a caller can act on: its code says whether the request, the pool or the store is at fault.</summary>
public sealed class IpamException(IpamErrorCode code, string message, Exception? inner = null) : Exception(message, inner)
{
    public IpamErrorCode Code { get; } = code;
}
