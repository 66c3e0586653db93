using System.Net;
using CniNet.Bgp.Wire;
using CniNet.Model.Net;

namespace CniNet.Bgp.Rib;

/// <summary>Packs announcements and withdrawals into as few UPDATEs as fit BGP's 4096 bytes.</summary>
public static class UpdateBuilder
{
    /// <summary>Room left for prefixes after the header, the two length fields and generous attributes.</summary>
    private const int PrefixBudget = BgpCodec.MaxMessageLength - BgpCodec.HeaderLength - 4 - 512;

    /// <summary>UPDATEs announcing <paramref name="prefixes"/> of one family with <paramref name="attributes"/>, reachable via <paramref name="nextHop"/>.</summary>
    public static IEnumerable<UpdateMessage> Announce(IEnumerable<Cidr> prefixes, bool v6, PathAttributes attributes, IPAddress nextHop) =>
        Chunks(prefixes).Select(chunk => v6
            ? new UpdateMessage([], attributes with { NextHop = null, MpReach = new MpReach(BgpFamily.Ipv6Unicast, nextHop, null, chunk) }, [])
            : new UpdateMessage([], attributes with { NextHop = nextHop }, chunk));

    public static IEnumerable<UpdateMessage> Withdraw(IEnumerable<Cidr> prefixes, bool v6) =>
        Chunks(prefixes).Select(chunk => v6
            ? new UpdateMessage([], PathAttributes.Empty with { MpUnreach = new MpUnreach(BgpFamily.Ipv6Unicast, chunk) }, [])
            : new UpdateMessage(chunk, PathAttributes.Empty, []));

    private static IEnumerable<List<Cidr>> Chunks(IEnumerable<Cidr> prefixes)
    {
        var chunk = new List<Cidr>();
        var size = 0;
        foreach (var prefix in prefixes)
        {
            var s = PrefixCodec.Size(prefix);
            if (size + s > PrefixBudget)
            {
                yield return chunk;
                chunk = [];
                size = 0;
            }
            chunk.Add(prefix);
            size += s;
        }
        if (chunk.Count > 0) yield return chunk;
    }
}
