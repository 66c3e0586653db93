using CniNet.Felix.Dataplane;

namespace CniNet.Felix.Agent;

/// <summary>Settings of the watch-driven agent, with Felix's defaults where Felix has the setting.</summary>
public sealed record FelixAgentOptions
{
    public NftDataplaneOptions Dataplane { get; init; } = new();

    /// <summary>
    /// How long the agent waits for a burst of changes to go quiet before it applies them as one batch; Felix
    /// throttles to about ten applies a second.
    /// </summary>
    public TimeSpan CoalesceDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest a steady stream of changes delays a batch.</summary>
    public TimeSpan MaxCoalesceDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The first retry of a failed batch; each further failure doubles it up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Felix retries a dirty dataplane at least every 10 s.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Felix's <c>NftablesRefreshInterval</c> (<c>IptablesRefreshInterval</c>, 180 s): the whole table is rewritten
    /// from the model this often, repairing whatever changed it behind the agent's back.
    /// </summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(180);

    public Action<string> Log { get; init; } = _ => { };
}
