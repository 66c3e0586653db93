namespace CniNet.Felix.Corpus;

/// <summary>The first matrix cell where the verdict differs from the case's expectation (steps and probes from 1).</summary>
public sealed record CellMismatch(int Step, int Probe, string Protocol, string Port, string Source, string Destination, char Expected, char Got)
{
    public override string ToString() =>
        $"step {Step} probe {Probe} ({Protocol}/{Port}): {Source} -> {Destination} expected {Expected} got {Got}";
}
