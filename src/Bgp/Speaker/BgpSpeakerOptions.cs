using System.Net;
using CniNet.Linux;

namespace CniNet.Bgp.Speaker;

/// <summary>How a <see cref="BgpSpeaker"/> runs; everything about peers and routes comes from the datastore.</summary>
public sealed record BgpSpeakerOptions
{
    /// <summary>rtm_protocol of the routes the speaker installs (learned routes and block blackholes), so it recognises its own.</summary>
    public const byte DefaultRouteProtocol = 196;

    /// <summary>The network namespace to work in (sockets and kernel routes); null: the one the process runs in.</summary>
    public NetworkNamespace? Namespace { get; init; }

    public byte RouteProtocol { get; init; } = DefaultRouteProtocol;

    /// <summary>Calico's <c>bindMode: None</c> listens on every address; <c>NodeIP</c> callers pass the node's address.</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.IPv6Any;

    public ushort HoldTime { get; init; } = 240;

    public TimeSpan ConnectRetry { get; init; } = TimeSpan.FromSeconds(5);

    public ushort GracefulRestartTime { get; init; } = 120;

    /// <summary>
    /// How often the resources are read again when no watch reported a change: a safety net, since changes to Nodes,
    /// BGPConfigurations, BGPPeers, block affinities, pools, Services, EndpointSlices and the Secrets passwords name wake
    /// the speaker as they happen.
    /// </summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>calico-node's default namespace, where the Secrets of BGP passwords are read (Calico: <c>CALICO_NAMESPACE</c>).</summary>
    public const string DefaultSecretNamespace = "calico-system";

    /// <summary>The namespace whose Secrets BGPPeer and mesh passwords name.</summary>
    public string SecretNamespace { get; init; } = DefaultSecretNamespace;

    /// <summary>Where the speaker reports what it did and what failed.</summary>
    public Action<string> Log { get; init; } = _ => { };
}
