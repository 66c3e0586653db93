namespace CniNet.Linux;

/// <summary>
/// One set element as the kernel takes it: the key's bytes (fields of a concatenation each padded to 4 bytes), with
/// NFT_SET_ELEM_INTERVAL_END when it closes an interval, a verdict for a map, and nft's per-element user data.
/// </summary>
public sealed record NfTablesElement(ReadOnlyMemory<byte> Key)
{
    public bool IntervalEnd { get; init; }

    public NfTablesVerdict? Verdict { get; init; }

    public ReadOnlyMemory<byte> UserData { get; init; }
}
