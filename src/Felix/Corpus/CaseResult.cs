namespace CniNet.Felix.Corpus;

/// <summary>How one case went: passed, failed at a cell, or could not be run (the case is malformed or uses
/// something the evaluator does not model).</summary>
public sealed record CaseResult(string Id, string Suite, CellMismatch? Mismatch, string? Error)
{
    public bool Passed => Mismatch is null && Error is null;

    public override string ToString() =>
        Passed ? $"PASS {Id}" : $"FAIL {Id} {(Mismatch is not null ? Mismatch.ToString() : $"error: {Error}")}";
}
