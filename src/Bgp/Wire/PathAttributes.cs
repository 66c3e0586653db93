using System.Net;

namespace CniNet.Bgp.Wire;

/// <summary>
/// The path attributes of an UPDATE, decoded. AS numbers are always four octets here: with a 2-octet peer the codec
/// merges AS4_PATH into <see cref="AsPath"/> on read and splits it out again on write (RFC 6793 §4.2).
/// </summary>
public sealed record PathAttributes
{
    public static readonly PathAttributes Empty = new();

    public BgpOrigin? Origin { get; init; }

    /// <summary>Null when the attribute was absent; an empty list is an empty AS_PATH (a route from this AS).</summary>
    public IReadOnlyList<AsPathSegment>? AsPath { get; init; }

    public IPAddress? NextHop { get; init; }

    public uint? MultiExitDisc { get; init; }

    /// <summary>Up to 2^32-1; Calico sends 2147483647 minus the kernel metric.</summary>
    public uint? LocalPref { get; init; }

    public bool AtomicAggregate { get; init; }

    public IReadOnlyList<uint> Communities { get; init; } = [];

    public IReadOnlyList<LargeCommunity> LargeCommunities { get; init; } = [];

    /// <summary>The router id of the route's originator inside the AS (RFC 4456 §8).</summary>
    public IPAddress? OriginatorId { get; init; }

    /// <summary>The reflection path, most recent cluster first (RFC 4456 §8).</summary>
    public IReadOnlyList<uint> ClusterList { get; init; } = [];

    public MpReach? MpReach { get; init; }

    public MpUnreach? MpUnreach { get; init; }

    /// <summary>Every other attribute, in the order received.</summary>
    public IReadOnlyList<RawAttribute> Other { get; init; } = [];

    /// <summary>The path length of best-path selection (RFC 4271 §9.1.2.2 a).</summary>
    public int AsPathLength => AsPath?.Sum(s => s.PathLength) ?? 0;

    /// <summary>The neighbouring AS a route came from: the first AS of the first sequence (RFC 4271 §9.1.2.2 c).</summary>
    public uint? NeighborAs => AsPath is [{ Type: AsPathSegmentType.Sequence, Asns: [var first, ..] }, ..] ? first : null;

    public bool AsPathContains(uint @as) => AsPath?.Any(s => s.Asns.Contains(@as)) ?? false;

    /// <summary>The attributes as this speaker passes them on: unknown non-transitive attributes dropped, transitive ones marked partial (RFC 4271 §5).</summary>
    public PathAttributes ForPropagation() => this with
    {
        Other = Other.Where(a => a.IsTransitive).Select(a => a with { Flags = (byte)(a.Flags | AttributeFlags.Partial) }).ToList(),
        MpReach = null,
        MpUnreach = null,
    };

    public bool Equals(PathAttributes? other) =>
        other is not null && Origin == other.Origin && SequenceEqual(AsPath, other.AsPath) && Equals(NextHop, other.NextHop)
        && MultiExitDisc == other.MultiExitDisc && LocalPref == other.LocalPref && AtomicAggregate == other.AtomicAggregate
        && Communities.SequenceEqual(other.Communities) && LargeCommunities.SequenceEqual(other.LargeCommunities)
        && Equals(OriginatorId, other.OriginatorId) && ClusterList.SequenceEqual(other.ClusterList)
        && Equals(MpReach, other.MpReach) && Equals(MpUnreach, other.MpUnreach) && Other.SequenceEqual(other.Other);

    public override int GetHashCode() => HashCode.Combine(Origin, AsPathLength, NextHop, MultiExitDisc, LocalPref, Communities.Count);

    private static bool SequenceEqual<T>(IReadOnlyList<T>? a, IReadOnlyList<T>? b) => a is null ? b is null : b is not null && a.SequenceEqual(b);
}
