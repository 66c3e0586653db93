using CniNet.Felix.Dataplane;

namespace CniNet.Tests.Property.Dataplane;

/// <summary>An nft that keeps every script it is given and fails the runs it is told to fail.</summary>
internal sealed class RecordingNft : INftExecutor
{
    public List<string> Scripts { get; } = [];

    public int FailNext { get; set; }

    public NftRun Run(string script)
    {
        Scripts.Add(script);
        if (FailNext > 0)
        {
            FailNext--;
            return new NftRun(1, "Error: Could not process rule: No such file or directory");
        }
        return new NftRun(0, "");
    }

    public string[] Lines(int run) => Scripts[run].Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
