namespace CniNet.IpamCore;

/// <summary>The findings of an IPAM consistency check; <see cref="ProblemCount"/> is zero when the store is clean.</summary>
public sealed class IpamCheckReport
{
    public int Blocks { get; set; }

    public int Handles { get; set; }

    public int Affinities { get; set; }

    public int Allocated { get; set; }

    public int CoolingDown { get; set; }

    public List<LeakedAddress> LeakedAddresses { get; set; } = [];

    public List<string> Duplicates { get; set; } = [];

    public List<string> InvalidBlocks { get; set; } = [];

    public List<string> OrphanBlocks { get; set; } = [];

    public List<string> BlocksWithoutAffinity { get; set; } = [];

    public List<string> StaleAffinities { get; set; } = [];

    public List<string> HandlesWithoutAddresses { get; set; } = [];

    public List<string> MissingHandles { get; set; } = [];

    public List<string> HandleCountMismatches { get; set; } = [];

    public int ProblemCount =>
        LeakedAddresses.Count + Duplicates.Count + InvalidBlocks.Count + OrphanBlocks.Count + BlocksWithoutAffinity.Count
        + StaleAffinities.Count + HandlesWithoutAddresses.Count + MissingHandles.Count + HandleCountMismatches.Count;
}

/// <summary>An allocation no live owner references; handle and sequence number let a release target exactly it.</summary>
public sealed record LeakedAddress(string Ip, string? Handle, ulong? SequenceNumber, string Reason);
