using System.Collections.Immutable;
using System.Net;
using CniNet.Model.Net;
using CniNet.Model.Policy;

namespace CniNet.Felix.Policy;

/// <summary>
/// A compiled source or destination EntityRule: every criterion present must hold. Nets of the other IP family never
/// match, so a rule whose nets are all of the other family is skipped for this family, as Felix's <c>filterNets</c>.
/// </summary>
internal sealed class EntityMatcher(
    SelectorConjunction selector,
    SelectorConjunction? notSelector,
    ImmutableArray<Cidr> nets,
    ImmutableArray<Cidr> notNets,
    ImmutableArray<Port> ports,
    ImmutableArray<Port> notPorts)
{
    public static EntityMatcher Any { get; } = new(SelectorConjunction.None, null, [], [], [], []);

    public SelectorConjunction Selector => selector;

    public SelectorConjunction? NotSelector => notSelector;

    public ImmutableArray<Cidr> Nets => nets;

    public ImmutableArray<Cidr> NotNets => notNets;

    public ImmutableArray<Port> Ports => ports;

    public ImmutableArray<Port> NotPorts => notPorts;

    public bool Matches(IPAddress address, ushort? port, Protocol protocol, IpSetIndex index)
    {
        if (!nets.IsEmpty && !nets.Any(net => net.Contains(address)))
        {
            return false;
        }
        if (notNets.Any(net => net.Contains(address)))
        {
            return false;
        }
        if (!selector.IsEmpty && !index.Contains(selector, address))
        {
            return false;
        }
        if (notSelector is not null && index.Contains(notSelector, address))
        {
            return false;
        }
        if (!ports.IsEmpty && (port is not { } wanted || !AnyPortMatches(ports, address, wanted, protocol, index)))
        {
            return false;
        }
        return notPorts.IsEmpty || port is not { } actual || !AnyPortMatches(notPorts, address, actual, protocol, index);
    }

    // Numeric ports and named ports in one list are ORed; a named port resolves through the workloads on this side
    // that the rule's selector admits (Felix's hash:ip,port named-port sets).
    private bool AnyPortMatches(ImmutableArray<Port> list, IPAddress address, ushort port, Protocol protocol, IpSetIndex index)
    {
        foreach (var candidate in list)
        {
            if (candidate.IsNamed
                    ? index.ContainsNamedPort(selector, candidate.Name, protocol, address, port)
                    : candidate.Contains(port))
            {
                return true;
            }
        }
        return false;
    }
}
