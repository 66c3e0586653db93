using CniNet.Felix.Dataplane;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// The real nft, except that when armed the next script gets a line nft cannot parse appended at its end: every valid
/// change before it is then in the same transaction as the error.
/// </summary>
public sealed class SyntaxErrorOnce(INftExecutor nft) : INftExecutor
{
    public bool Armed { get; set; }

    public NftRun Run(string script)
    {
        if (!Armed) return nft.Run(script);
        Armed = false;
        return nft.Run(script + "add rule inet calico filter-FORWARD this is not nft\n");
    }
}
