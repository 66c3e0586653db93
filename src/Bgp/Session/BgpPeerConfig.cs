using System.Net;

namespace CniNet.Bgp.Session;

/// <summary>One neighbour: where it is, its AS, and how to reach it.</summary>
/// <param name="Name">As Calico names BIRD protocols: <c>Mesh_10_0_0_2</c>, <c>Global_…</c>, <c>Node_…</c>.</param>
public sealed record BgpPeerConfig(string Name, IPAddress Address, uint As)
{
    public int Port { get; init; } = 179;

    /// <summary>Only accept the peer's connection, never connect (Calico's mesh: the node with the lower IP waits).</summary>
    public bool Passive { get; init; }

    /// <summary>The RFC 2385 TCP MD5 key; null for none.</summary>
    public string? Password { get; init; }

    /// <summary>A route reflector client of this node (RFC 4456): iBGP routes from and to it are reflected.</summary>
    public bool RouteReflectorClient { get; init; }

    /// <summary>The local address outgoing connections are bound to (Calico's <c>sourceAddress: UseNodeIP</c>); null lets the kernel choose.</summary>
    public IPAddress? SourceAddress { get; init; }
}
