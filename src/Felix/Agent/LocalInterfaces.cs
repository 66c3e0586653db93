using System.Collections.Immutable;
using System.Net;
using CniNet.Linux;

namespace CniNet.Felix.Agent;

/// <summary>The node's interfaces with their addresses, from one link and one address dump over rtnetlink.</summary>
public static class LocalInterfaces
{
    public static ImmutableSortedDictionary<string, ImmutableArray<IPAddress>> Read(Rtnetlink netlink)
    {
        var names = netlink.ListLinks().ToDictionary(link => link.Index, link => link.Name);
        return netlink.ListAddresses()
            .Where(address => names.ContainsKey(address.InterfaceIndex))
            .GroupBy(address => names[address.InterfaceIndex], StringComparer.Ordinal)
            .ToImmutableSortedDictionary(
                group => group.Key,
                group => group.Select(address => address.Address).OrderBy(address => address.ToString(), StringComparer.Ordinal).ToImmutableArray(),
                StringComparer.Ordinal);
    }
}
