namespace CniNet.Felix.Dataplane;

/// <summary>
/// What one batch did: whether the transaction took effect, whether it rebuilt the table, how much it rewrote, and on
/// failure nft's error (the kernel then still holds the previous ruleset).
/// </summary>
public sealed record NftApplyResult(
    bool Succeeded, bool FullRewrite, int ChainsWritten, int SetsWritten, int ElementsChanged, string? Error)
{
    /// <summary>Nothing differed from what was written, so nft was not run.</summary>
    public bool Unchanged => Succeeded && !FullRewrite && ChainsWritten == 0 && SetsWritten == 0 && ElementsChanged == 0;
}
