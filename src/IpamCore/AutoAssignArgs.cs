using CniNet.Model.Net;
using CniNet.Model.Network;

namespace CniNet.IpamCore;

/// <summary>A request for automatically chosen addresses (Calico's <c>AutoAssignArgs</c>).</summary>
public sealed record AutoAssignArgs
{
    public int Num4 { get; init; }

    public int Num6 { get; init; }

    public string? HandleId { get; init; }

    /// <summary>Owner attributes stored with each address (<c>namespace</c>, <c>pod</c>, <c>node</c>, <c>timestamp</c>...).</summary>
    public IReadOnlyDictionary<string, string>? Attrs { get; init; }

    public required string Hostname { get; init; }

    public IReadOnlyList<Cidr>? IPv4Pools { get; init; }

    public IReadOnlyList<Cidr>? IPv6Pools { get; init; }

    /// <summary>Per-request cap on affine blocks; 0 leaves it to the global setting (and 20 when both are 0).</summary>
    public int MaxBlocksPerHost { get; init; }

    public HostReservedAttr? HostReservedAttrIPv4s { get; init; }

    public HostReservedAttr? HostReservedAttrIPv6s { get; init; }

    public string IntendedUse { get; init; } = IPPoolSpec.UseWorkload;

    /// <summary>Namespace whose labels the pools' namespaceSelector is matched against (read from the store).</summary>
    public string? Namespace { get; init; }

    /// <summary>Labels to use instead of reading <see cref="Namespace"/>.</summary>
    public IReadOnlyDictionary<string, string>? NamespaceLabels { get; init; }
}

/// <summary>Addresses assigned for one family. A shortfall is not an error; <see cref="PartialFulfillmentError"/> says so.</summary>
public sealed record IpamAssignments(int IPVersion, int NumRequested, IReadOnlyList<Cidr> IPs, IReadOnlyList<string> Messages, HostReservedAttr? HostReservedAttr)
{
    public string? PartialFulfillmentError() =>
        IPs.Count >= NumRequested
            ? null
            : $"Assigned {IPs.Count} out of {NumRequested} requested IPv{IPVersion} addresses; {string.Join("; ", Messages)}"
              + (HostReservedAttr is null ? "" : $"; HostReservedAttr: {HostReservedAttr.Handle}");
}

/// <summary>One explicit address for a handle (Calico's <c>AssignIPArgs</c>).</summary>
public sealed record AssignIPArgs
{
    public required System.Net.IPAddress IP { get; init; }

    public string? HandleId { get; init; }

    public IReadOnlyDictionary<string, string>? Attrs { get; init; }

    public required string Hostname { get; init; }

    public string IntendedUse { get; init; } = IPPoolSpec.UseWorkload;
}
