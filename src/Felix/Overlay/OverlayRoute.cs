using System.Net;
using CniNet.Model.Net;

namespace CniNet.Felix.Overlay;

/// <summary>
/// A route to another node's IPAM block: through the overlay (<c>block via VTEP dev vxlan.calico onlink</c>) or, for a
/// CrossSubnet pool and a node on this node's subnet, straight over the underlay (<c>block via NODE-IP</c>).
/// </summary>
/// <param name="Block">The remote block.</param>
/// <param name="Node">The node whose affinity the block carries.</param>
/// <param name="Gateway">The remote VTEP's tunnel address when <paramref name="Encapsulated"/>, else the remote node's underlay address.</param>
/// <param name="Encapsulated">Whether the route goes through <c>vxlan.calico</c>.</param>
public sealed record OverlayRoute(Cidr Block, string Node, IPAddress Gateway, bool Encapsulated);
