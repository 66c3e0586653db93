namespace CniNet.Felix.Dataplane;

/// <summary>Settings of the nftables dataplane, with Felix's defaults.</summary>
public sealed record NftDataplaneOptions
{
    /// <summary>The <c>inet</c> table the dataplane owns entirely (Felix: <c>calico</c>).</summary>
    public string Table { get; init; } = "calico";

    /// <summary>
    /// Felix's <c>FelixHostname</c>: the node whose host endpoints (<c>spec.node</c>) this dataplane polices.
    /// </summary>
    public string NodeName { get; init; } = Environment.MachineName;

    /// <summary>Felix's <c>InterfacePrefix</c>: workload interfaces start with it.</summary>
    public string InterfacePrefix { get; init; } = "cali";

    /// <summary>
    /// Felix's <c>IPv6Support</c>: with it off, rules and sets are written for IPv4 only (half the rules of a
    /// dual-stack table), and IPv6 packets of a policed endpoint match only rules without addresses.
    /// </summary>
    public bool Ipv6Support { get; init; } = true;

    /// <summary>
    /// Felix's <c>DefaultEndpointToHostAction</c>: what happens to traffic from a workload to the host itself once the
    /// workload's egress policy allowed it. Felix's default is to drop it.
    /// </summary>
    public bool AcceptEndpointToHost { get; init; }
}
