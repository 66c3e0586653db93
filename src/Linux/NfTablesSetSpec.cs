namespace CniNet.Linux;

/// <summary>
/// A set's declaration as nf_tables stores it: flags (NFT_SET_ANONYMOUS 1, CONSTANT 2, INTERVAL 4, MAP 8), the key's
/// datatype and length, for a map the data's (<see cref="VerdictData"/>: verdicts), and the user data nft keeps with
/// it (byte order and the expression the key was typed from), which only nft reads back, to print elements.
/// </summary>
public sealed record NfTablesSetSpec(uint Flags, uint KeyType, int KeyLength, ReadOnlyMemory<byte> UserData)
{
    public const uint Anonymous = 1;
    public const uint Constant = 2;
    public const uint Interval = 4;
    public const uint Map = 8;

    /// <summary>A map to verdicts (NFT_DATA_VERDICT, length 0).</summary>
    public bool VerdictData { get; init; }
}
