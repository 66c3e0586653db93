namespace CniNet.Linux;

/// <summary>
/// A verdict as nf_tables encodes it (linux/netfilter/nf_tables.h, enum nft_verdicts and NF_ACCEPT/NF_DROP): a code,
/// and for jump and goto the chain.
/// </summary>
public readonly record struct NfTablesVerdict(int Code, string? Chain = null)
{
    public static NfTablesVerdict Accept => new(1);

    public static NfTablesVerdict Drop => new(0);

    public static NfTablesVerdict Return => new(-5);

    public static NfTablesVerdict Jump(string chain) => new(-3, chain);

    public static NfTablesVerdict Goto(string chain) => new(-4, chain);
}
