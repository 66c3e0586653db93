using System.Collections.Immutable;
using System.Net;
using CniNet.Felix.Calc;
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

    /// <summary>
    /// Reads this node's interfaces and their addresses (<see cref="ClusterState.LocalInterfaces"/>), which place host
    /// endpoints named by expected IPs only; null leaves those endpoints on no interface.
    /// </summary>
    public Func<ImmutableSortedDictionary<string, ImmutableArray<IPAddress>>>? LocalInterfaces { get; init; }

    /// <summary>
    /// How often the agent reads the interfaces between batches (Felix listens to netlink and also polls, every
    /// <c>InterfaceRefreshInterval</c>); an address added or removed reaches the host endpoints within it.
    /// </summary>
    public TimeSpan InterfacePollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public Action<string> Log { get; init; } = _ => { };
}
