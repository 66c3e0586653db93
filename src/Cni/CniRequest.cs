using System.Text.Json;

namespace CniNet.Cni;

/// <summary>One invocation: the validated environment and the network configuration read from stdin.</summary>
public sealed class CniRequest
{
    public required string Command { get; init; }

    /// <summary>Empty for GC and STATUS.</summary>
    public required string ContainerId { get; init; }

    /// <summary>May be empty on DEL (containerd sends none).</summary>
    public required string Netns { get; init; }

    public required string IfName { get; init; }

    public required CniArgs Args { get; init; }

    public required IReadOnlyList<string> CniPath { get; init; }

    /// <summary>The configuration exactly as received: delegated plugins get these bytes unchanged.</summary>
    public required byte[] ConfigBytes { get; init; }

    /// <summary>The parsed configuration; the document lives as long as the invocation.</summary>
    public required JsonElement Config { get; init; }

    public required string CniVersion { get; init; }

    public required string NetworkName { get; init; }

    /// <summary><c>prevResult</c> when the runtime sent one (chained ADD, DEL and CHECK from 0.4.0).</summary>
    public CniResult? PrevResult { get; init; }

    /// <summary>The environment the plugin was started with: delegated plugins inherit it.</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }
}
