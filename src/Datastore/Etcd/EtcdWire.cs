namespace CniNet.Datastore.Etcd;

// The shapes of etcd's v3 JSON gateway (the grpc-gateway mapping of etcdserverpb): snake_case fields, bytes as base64,
// int64 as JSON strings, and fields at their default value (false, 0, empty) left out of responses.

internal sealed class EtcdHeader
{
    public long Revision { get; set; }
}

internal sealed class EtcdKv
{
    public byte[] Key { get; set; } = [];
    public long CreateRevision { get; set; }
    public long ModRevision { get; set; }
    public byte[]? Value { get; set; }
}

internal sealed class EtcdRangeRequest
{
    public required byte[] Key { get; set; }
    public byte[]? RangeEnd { get; set; }
    public long? Limit { get; set; }
    public long? Revision { get; set; }
}

internal sealed class EtcdRangeResponse
{
    public EtcdHeader? Header { get; set; }
    public List<EtcdKv>? Kvs { get; set; }
    public bool More { get; set; }
}

internal sealed class EtcdPutRequest
{
    public required byte[] Key { get; set; }
    public required byte[] Value { get; set; }
}

internal sealed class EtcdDeleteRangeRequest
{
    public required byte[] Key { get; set; }
}

internal sealed class EtcdRequestOp
{
    public EtcdRangeRequest? RequestRange { get; set; }
    public EtcdPutRequest? RequestPut { get; set; }
    public EtcdDeleteRangeRequest? RequestDeleteRange { get; set; }
}

internal sealed class EtcdResponseOp
{
    public EtcdRangeResponse? ResponseRange { get; set; }
}

/// <summary>One txn condition; <see cref="Target"/> is CREATE or MOD, <see cref="Result"/> EQUAL or GREATER.</summary>
internal sealed class EtcdCompare
{
    public required byte[] Key { get; set; }
    public required string Target { get; set; }
    public required string Result { get; set; }
    public long? CreateRevision { get; set; }
    public long? ModRevision { get; set; }
}

internal sealed class EtcdTxnRequest
{
    public List<EtcdCompare> Compare { get; set; } = [];
    public List<EtcdRequestOp> Success { get; set; } = [];
    public List<EtcdRequestOp> Failure { get; set; } = [];
}

internal sealed class EtcdTxnResponse
{
    public EtcdHeader? Header { get; set; }
    public bool Succeeded { get; set; }
    public List<EtcdResponseOp>? Responses { get; set; }
}

internal sealed class EtcdCompactionRequest
{
    public long Revision { get; set; }
}

internal sealed class EtcdCompactionResponse
{
    public EtcdHeader? Header { get; set; }
}

internal sealed class EtcdWatchRequest
{
    public required EtcdWatchCreateRequest CreateRequest { get; set; }
}

internal sealed class EtcdWatchCreateRequest
{
    public required byte[] Key { get; set; }
    public required byte[] RangeEnd { get; set; }
    public long StartRevision { get; set; }
    public bool PrevKv { get; set; }
}

/// <summary>One line of the watch stream: a result, or an error that ends the stream.</summary>
internal sealed class EtcdWatchMessage
{
    public EtcdWatchResponse? Result { get; set; }
    public EtcdError? Error { get; set; }
}

internal sealed class EtcdWatchResponse
{
    public EtcdHeader? Header { get; set; }
    public bool Canceled { get; set; }
    public long CompactRevision { get; set; }
    public string? CancelReason { get; set; }
    public List<EtcdEvent>? Events { get; set; }
}

/// <summary>A change; <see cref="Type"/> is absent for PUT (the enum's default) and "DELETE" for deletions.</summary>
internal sealed class EtcdEvent
{
    public string? Type { get; set; }
    public EtcdKv? Kv { get; set; }
    public EtcdKv? PrevKv { get; set; }
}

/// <summary>The gateway's error body; <see cref="Code"/> is the gRPC status code (11 OutOfRange for compaction).</summary>
internal sealed class EtcdError
{
    public string? Error { get; set; }
    public string? Message { get; set; }
    public int Code { get; set; }
}
