namespace CniNet.Felix.Dataplane;

/// <summary>How one <c>nft -f -</c> ended: its exit code and what it printed on stderr (nft's error with the line).</summary>
public sealed record NftRun(int ExitCode, string Error)
{
    public bool Succeeded => ExitCode == 0;
}
