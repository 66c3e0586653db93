using System.Buffers.Binary;
using System.Net;

namespace CniNet.Bgp.Rib;

/// <summary>
/// The decision process of RFC 4271 §9.1.2.2 as eliminations over the candidate set, so the pick does not depend on
/// the order routes arrived in (a pairwise comparison cannot do that: comparing MED only between routes from the same
/// neighbouring AS is not transitive). In order: highest LOCAL_PREF, shortest AS path, lowest ORIGIN, lowest MED
/// within each neighbouring AS, eBGP over iBGP, then lowest router id (the ORIGINATOR_ID of a reflected route, RFC 4456
/// §9), shortest CLUSTER_LIST, lowest peer address.
/// </summary>
public static class BestPath
{
    public static RibPath? Select(IEnumerable<RibPath> candidates)
    {
        // Nearly every prefix has one path: no copy for it.
        if (candidates is IReadOnlyList<RibPath> { Count: <= 1 } few) return few.Count == 0 ? null : few[0];
        var left = candidates.ToList();
        if (left.Count <= 1) return left.FirstOrDefault();
        left = KeepBest(left, p => -(long)p.LocalPref);
        left = KeepBest(left, p => p.Attributes.AsPathLength);
        left = KeepBest(left, p => (long?)p.Attributes.Origin ?? 2);
        left = left.GroupBy(p => p.Attributes.NeighborAs).SelectMany(g => KeepBest(g.ToList(), p => p.Attributes.MultiExitDisc ?? 0)).ToList();
        if (left.Any(p => p.External)) left = left.Where(p => p.External).ToList();
        return left.MinBy(p => (Number(p.Attributes.OriginatorId ?? p.PeerRouterId), p.Attributes.ClusterList.Count, new AddressKey(p.PeerAddress)));
    }

    private static List<RibPath> KeepBest(List<RibPath> paths, Func<RibPath, long> key)
    {
        var best = paths.Min(key);
        return paths.Where(p => key(p) == best).ToList();
    }

    private static uint Number(IPAddress id) => BinaryPrimitives.ReadUInt32BigEndian(id.GetAddressBytes());

    /// <summary>Addresses ordered by their bytes, IPv4 as v4-mapped so both families compare.</summary>
    private readonly record struct AddressKey(IPAddress Address) : IComparable<AddressKey>
    {
        public int CompareTo(AddressKey other) =>
            Address.MapToIPv6().GetAddressBytes().AsSpan().SequenceCompareTo(other.Address.MapToIPv6().GetAddressBytes());
    }
}
