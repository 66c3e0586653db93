namespace CniNet.Felix.Dataplane;

/// <summary>Runs one nft script as one transaction: all of it takes effect, or none of it.</summary>
public interface INftExecutor
{
    NftRun Run(string script);

    /// <summary>
    /// Does on the caller's thread what of <see cref="Run"/> can be done ahead (<see cref="NetlinkNft"/> compiles the
    /// batch) and gives the rest, which may run on another thread while the caller prepares the next script. Scripts are
    /// prepared, and their rests run, in the same order.
    /// </summary>
    Func<NftRun> Prepare(string script) => () => Run(script);
}
