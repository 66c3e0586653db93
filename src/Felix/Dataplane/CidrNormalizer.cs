using CniNet.Model.Net;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// nft rejects interval sets whose elements overlap ("conflicting intervals"), while Calico's sources overlap freely
/// (a network set's /16 and a pod inside it; ipBlock nets). A net inside another adds nothing to a match, so only the
/// outermost nets are kept.
/// </summary>
internal static class CidrNormalizer
{
    public static IReadOnlyList<Cidr> Disjoint(IEnumerable<Cidr> nets)
    {
        var sorted = nets.Select(n => n.Masked()).ToList();
        // By family, address, then prefix length: a net inside an earlier one is inside the last one kept, because
        // two CIDRs are either nested or disjoint.
        sorted.Sort();
        var kept = new List<Cidr>(sorted.Count);
        foreach (var net in sorted)
        {
            if (kept.Count == 0 || !kept[^1].Contains(net))
            {
                kept.Add(net);
            }
        }
        return kept;
    }

    /// <summary>A host net as a plain address, anything wider as a prefix.</summary>
    public static string Element(Cidr net) => net.HostBits == 0 ? net.NetworkAddress.ToString() : net.ToString();
}
