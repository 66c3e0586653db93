using System.Collections.Immutable;
using System.Net;
using CniNet.Model.Net;
using CniNet.Model.Policy;

namespace CniNet.Felix.Policy;

/// <summary>
/// Answers the two questions Felix's IP sets answer: is an address in the set of a selector (a matching workload has
/// it, or a matching network set covers it), and is (address, protocol, port) in the named-port set of a selector.
/// </summary>
internal sealed class IpSetIndex(ImmutableArray<IpSetMember> members)
{
    public bool Contains(SelectorConjunction selector, IPAddress address)
    {
        foreach (var member in members)
        {
            if (Covers(member, address) && selector.Matches(member.Labels))
            {
                return true;
            }
        }
        return false;
    }

    public bool ContainsNamedPort(SelectorConjunction selector, string name, Protocol protocol, IPAddress address, ushort port)
    {
        foreach (var member in members)
        {
            if (member.NamedPorts.IsEmpty || !Covers(member, address) || !selector.Matches(member.Labels))
            {
                continue;
            }
            foreach (var named in member.NamedPorts)
            {
                if (named.Name == name && named.Port == port && named.Protocol.Number == protocol.Number)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static bool Covers(IpSetMember member, IPAddress address)
    {
        foreach (var net in member.Nets)
        {
            if (net.Contains(address))
            {
                return true;
            }
        }
        return false;
    }
}
