using System.Buffers.Binary;
using System.Net;

namespace CniNet.Bgp.Rib;

/// <summary>
/// The decision process of RFC 4271 §9.1.2.2, best first: higher LOCAL_PREF, shorter AS path, lower ORIGIN, lower MED
/// (between routes from the same neighbouring AS), eBGP over iBGP, lower router id (the ORIGINATOR_ID for a reflected
/// route, RFC 4456 §9), shorter CLUSTER_LIST, lower peer address.
/// </summary>
public sealed class BestPathComparer : IComparer<RibPath>
{
    public static readonly BestPathComparer Instance = new();

    public int Compare(RibPath? x, RibPath? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return 1;
        if (y is null) return -1;
        var c = y.LocalPref.CompareTo(x.LocalPref);
        if (c != 0) return c;
        c = x.Attributes.AsPathLength.CompareTo(y.Attributes.AsPathLength);
        if (c != 0) return c;
        c = ((int?)x.Attributes.Origin ?? 2).CompareTo((int?)y.Attributes.Origin ?? 2);
        if (c != 0) return c;
        if (x.Attributes.NeighborAs == y.Attributes.NeighborAs)
        {
            c = (x.Attributes.MultiExitDisc ?? 0).CompareTo(y.Attributes.MultiExitDisc ?? 0);
            if (c != 0) return c;
        }
        c = y.External.CompareTo(x.External);
        if (c != 0) return c;
        c = Number(x.Attributes.OriginatorId ?? x.PeerRouterId).CompareTo(Number(y.Attributes.OriginatorId ?? y.PeerRouterId));
        if (c != 0) return c;
        c = x.Attributes.ClusterList.Count.CompareTo(y.Attributes.ClusterList.Count);
        if (c != 0) return c;
        return Bytes(x.PeerAddress).AsSpan().SequenceCompareTo(Bytes(y.PeerAddress));
    }

    private static uint Number(IPAddress id) => BinaryPrimitives.ReadUInt32BigEndian(id.GetAddressBytes());

    private static byte[] Bytes(IPAddress address) => address.MapToIPv6().GetAddressBytes();
}
