namespace CniNet.Felix.Dataplane;

/// <summary>Runs one nft script as one transaction: all of it takes effect, or none of it.</summary>
public interface INftExecutor
{
    NftRun Run(string script);
}
