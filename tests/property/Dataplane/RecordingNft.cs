using CniNet.Felix.Dataplane;

namespace CniNet.Tests.Property.Dataplane;

/// <summary>
/// An nft that keeps every script it is given and fails the runs it is told to fail; <see cref="Record"/> groups the
/// scripts by the dataplane call that ran them (a full program is a transaction per table).
/// </summary>
internal sealed class RecordingNft : INftExecutor
{
    private readonly List<string> _scripts = [];
    private readonly List<string[]> _calls = [];

    private int _passBeforeFailing;

    public int FailNext { get; set; }

    /// <summary>The scripts of each recorded call, in order.</summary>
    public IReadOnlyList<string[]> Calls => _calls;

    public NftRun Run(string script)
    {
        lock (_scripts)
        {
            _scripts.Add(script);
            if (FailNext == 0 || _passBeforeFailing-- > 0) return new NftRun(0, "");
            FailNext--;
            return new NftRun(1, "Error: Could not process rule: No such file or directory");
        }
    }

    /// <summary>The run after the next <paramref name="runs"/> fails.</summary>
    public void FailAfter(int runs)
    {
        _passBeforeFailing = runs;
        FailNext = 1;
    }

    public NftApplyResult Record(Func<NftApplyResult> call)
    {
        var before = _scripts.Count;
        var result = call();
        _calls.Add([.. _scripts.Skip(before)]);
        return result;
    }

    /// <summary>The lines the recorded call <paramref name="call"/> ran, over all its transactions.</summary>
    public string[] Lines(int call) =>
        [.. _calls[call].SelectMany(script => script.Split('\n', StringSplitOptions.RemoveEmptyEntries))];
}
