namespace CniNet.Felix.Agent;

/// <summary>What the agent last published: readiness and the figures behind Felix's gauges and counters.</summary>
public sealed record FelixStatus
{
    public static FelixStatus Initial { get; } = new();

    /// <summary>A batch reached the kernel and the dataplane is in sync with the last calculation.</summary>
    public bool Ready { get; init; }

    public int ActiveLocalEndpoints { get; init; }

    public int ActiveLocalPolicies { get; init; }

    public int ActiveLocalSelectors { get; init; }

    public int ClusterWorkloadEndpoints { get; init; }

    public int ClusterPolicies { get; init; }

    public long NftCalls { get; init; }

    public long NftErrors { get; init; }

    public int NftChains { get; init; }

    public int NftRules { get; init; }

    /// <summary>Batches that failed (an nft error or a state that does not render), <c>felix_int_dataplane_failures</c>.</summary>
    public long DataplaneFailures { get; init; }

    /// <summary>Full listings of the store (the first and every re-list after a broken watch), <c>felix_resyncs_started</c>.</summary>
    public long Resyncs { get; init; }
}
