using CniNet.Linux;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// nft's engine in this process (libnftables) instead of an <c>nft -f -</c> process per batch: the same text and the
/// same atomic transaction, without a fork, an exec and nft loading its libraries each time (10-20 ms of every
/// batch on a busy node).
/// </summary>
public sealed class InProcessNft(NftablesSession session) : INftExecutor
{
    public NftRun Run(string script) => session.TryRun(script, out var error) ? new NftRun(0, error) : new NftRun(1, error);
}
