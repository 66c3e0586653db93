using System.Net;
using CniNet.Bgp.Session;

namespace CniNet.Bgp.Speaker;

/// <summary>What the resources say this node's speaker is: its AS, router id, addresses, listen port and peers.</summary>
/// <param name="ClusterId">Set when the node is a route reflector (Node <c>routeReflectorClusterID</c>).</param>
public sealed record BgpNodeConfig(uint LocalAs, IPAddress RouterId, IPAddress? Ipv4Address, IPAddress? Ipv6Address, int ListenPort, IReadOnlyList<BgpPeerConfig> Peers)
{
    public uint? ClusterId { get; init; }

    /// <summary>Why peerings the resources ask for have no session (a password that does not resolve); not part of equality.</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];

    public bool Equals(BgpNodeConfig? other) =>
        other is not null && LocalAs == other.LocalAs && RouterId.Equals(other.RouterId) && Equals(Ipv4Address, other.Ipv4Address)
        && Equals(Ipv6Address, other.Ipv6Address) && ListenPort == other.ListenPort && ClusterId == other.ClusterId && Peers.SequenceEqual(other.Peers);

    public override int GetHashCode() => HashCode.Combine(LocalAs, RouterId, ListenPort, Peers.Count);
}
