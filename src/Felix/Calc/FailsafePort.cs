using System.Collections.Immutable;
using CniNet.Model.Felix;
using CniNet.Model.Net;

namespace CniNet.Felix.Calc;

/// <summary>
/// A failsafe port (FelixConfiguration <c>failsafeInboundHostPorts</c> / <c>failsafeOutboundHostPorts</c>): traffic
/// to this protocol and port on a host endpoint is accepted ahead of any host-endpoint policy, so that a bad policy
/// cannot cut the node off from SSH, DHCP, BGP, etcd or the API server. <see cref="Net"/>, when set, limits the peer
/// (the source inbound, the destination outbound).
/// </summary>
public sealed record FailsafePort(string Protocol, ushort Port, Cidr? Net = null)
{
    /// <summary>Felix's default <c>failsafeInboundHostPorts</c> (felix/config/config_params.go).</summary>
    public static ImmutableList<FailsafePort> DefaultInbound { get; } =
    [
        new("tcp", 22), new("udp", 68), new("tcp", 179), new("tcp", 2379), new("tcp", 2380), new("tcp", 5473),
        new("tcp", 6443), new("tcp", 6666), new("tcp", 6667),
    ];

    /// <summary>Felix's default <c>failsafeOutboundHostPorts</c>.</summary>
    public static ImmutableList<FailsafePort> DefaultOutbound { get; } =
    [
        new("udp", 53), new("udp", 67), new("tcp", 179), new("tcp", 2379), new("tcp", 2380), new("tcp", 5473),
        new("tcp", 6443), new("tcp", 6666), new("tcp", 6667),
    ];

    /// <summary>The configured list, or <paramref name="defaults"/> when unset (an empty list disables failsafes).</summary>
    public static ImmutableList<FailsafePort> FromConfiguration(List<ProtoPort>? configured, ImmutableList<FailsafePort> defaults) =>
        configured is null
            ? defaults
            : [.. configured.Select(p => new FailsafePort(
                p.Protocol.ToLowerInvariant() is "tcp" or "udp" or "sctp" ? p.Protocol.ToLowerInvariant()
                    : throw new ArgumentException($"failsafe port {p.Port}: protocol must be tcp, udp or sctp, not '{p.Protocol}'"),
                p.Port,
                string.IsNullOrEmpty(p.Net) ? null : Cidr.Parse(p.Net)))];
}
