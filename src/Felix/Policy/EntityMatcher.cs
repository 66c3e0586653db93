using System.Collections.Immutable;
using System.Net;
using System.Runtime.CompilerServices;
using CniNet.Model.Net;
using CniNet.Model.Policy;

namespace CniNet.Felix.Policy;

/// <summary>
/// A compiled source or destination EntityRule: every criterion present must hold. Nets of the other IP family never
/// match, so a rule whose nets are all of the other family is skipped for this family, as Felix's <c>filterNets</c>.
/// Equal by value, its conjunctions by identity (<see cref="SelectorConjunction.Of"/> shares them): the compiler keeps
/// one of equal matches.
/// </summary>
internal sealed class EntityMatcher(
    SelectorConjunction selector,
    SelectorConjunction? notSelector,
    ImmutableArray<Cidr> nets,
    ImmutableArray<Cidr> notNets,
    ImmutableArray<Port> ports,
    ImmutableArray<Port> notPorts) : IEquatable<EntityMatcher>
{
    public static EntityMatcher Any { get; } = new(SelectorConjunction.None, null, [], [], [], []);

    public SelectorConjunction Selector => selector;

    public SelectorConjunction? NotSelector => notSelector;

    public ImmutableArray<Cidr> Nets => nets;

    public ImmutableArray<Cidr> NotNets => notNets;

    public ImmutableArray<Port> Ports => ports;

    public ImmutableArray<Port> NotPorts => notPorts;

    public bool Equals(EntityMatcher? other) =>
        ReferenceEquals(this, other)
        || (other is not null && ReferenceEquals(selector, other.Selector) && ReferenceEquals(notSelector, other.NotSelector)
            && nets.AsSpan().SequenceEqual(other.Nets.AsSpan()) && notNets.AsSpan().SequenceEqual(other.NotNets.AsSpan())
            && ports.AsSpan().SequenceEqual(other.Ports.AsSpan()) && notPorts.AsSpan().SequenceEqual(other.NotPorts.AsSpan()));

    public override bool Equals(object? obj) => Equals(obj as EntityMatcher);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(RuntimeHelpers.GetHashCode(selector));
        hash.Add(notSelector is null ? 0 : RuntimeHelpers.GetHashCode(notSelector));
        foreach (var net in nets) hash.Add(net);
        hash.Add(nets.Length);
        foreach (var net in notNets) hash.Add(net);
        foreach (var port in ports) hash.Add(port);
        hash.Add(ports.Length);
        foreach (var port in notPorts) hash.Add(port);
        return hash.ToHashCode();
    }

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
