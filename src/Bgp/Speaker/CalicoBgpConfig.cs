using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CniNet.Bgp.Session;
using CniNet.Model.Bgp;
using CniNet.Model.Network;
using CniNet.Model.Selectors;

namespace CniNet.Bgp.Speaker;

/// <summary>
/// Calico's BGP resources turned into this node's peers, as confd renders them for BIRD: the node-to-node mesh
/// (unless disabled; route reflector nodes stay out of it), and BGPPeers that are global, for this node, or select it.
/// </summary>
public static class CalicoBgpConfig
{
    /// <summary>
    /// Null when this node has no Node resource or no BGP address yet (calico-node waits likewise). A peer whose
    /// password does not resolve is left out, with the reason in <see cref="BgpNodeConfig.Skipped"/>.
    /// </summary>
    public static BgpNodeConfig? Resolve(string nodeName, IReadOnlyList<Node> nodes, IReadOnlyList<BGPConfiguration> configurations,
        IReadOnlyList<BGPPeer> peers, BgpPasswords passwords)
    {
        var self = nodes.FirstOrDefault(n => n.Metadata.Name == nodeName);
        var v4 = Address(self?.Spec.Bgp?.IPv4Address);
        var v6 = Address(self?.Spec.Bgp?.IPv6Address);
        if (self is null || (v4 is null && v6 is null)) return null;
        var cluster = configurations.FirstOrDefault(c => c.Metadata.Name == BGPConfiguration.DefaultName)?.Spec;
        var perNode = configurations.FirstOrDefault(c => c.Metadata.Name == BGPConfiguration.NodePrefix + nodeName)?.Spec;
        var defaultAs = cluster?.AsNumber ?? BGPConfigurationSpec.DefaultAsNumber;
        var localAs = self.Spec.Bgp?.AsNumber ?? defaultAs;
        int port = perNode?.ListenPort is > 0 ? perNode.ListenPort : cluster?.ListenPort is > 0 ? cluster.ListenPort : BGPConfigurationSpec.DefaultListenPort;
        var result = new List<BgpPeerConfig>();
        var skipped = new List<string>();

        // A password names a Secret's key; when that does not resolve, the peers using it get no session.
        (bool Resolved, string? Key) PasswordOf(BGPPassword? password, string owner)
        {
            if (password?.SecretKeyRef is not { } reference) return (true, null);
            var key = passwords.KeyOf(reference, out var problem);
            if (key is null) skipped.Add($"{owner}: password: {problem}; no session");
            return (key is not null, key);
        }

        var meshPassword = PasswordOf(cluster?.NodeMeshPassword, $"BGPConfiguration {BGPConfiguration.DefaultName} nodeMeshPassword");
        if ((cluster?.NodeToNodeMeshEnabled ?? true) && string.IsNullOrEmpty(self.Spec.Bgp?.RouteReflectorClusterID) && meshPassword.Resolved)
        {
            foreach (var other in nodes)
            {
                if (other.Metadata.Name == nodeName || !string.IsNullOrEmpty(other.Spec.Bgp?.RouteReflectorClusterID)) continue;
                var otherAs = other.Spec.Bgp?.AsNumber ?? defaultAs;
                foreach (var (mine, theirs) in new[] { (v4, Address(other.Spec.Bgp?.IPv4Address)), (v6, Address(other.Spec.Bgp?.IPv6Address)) })
                {
                    if (mine is null || theirs is null) continue;
                    // confd: "if peerIP > currentNodeIP { Passive = true }", a string comparison; the greater address connects.
                    var passive = string.CompareOrdinal(theirs.ToString(), mine.ToString()) > 0;
                    result.Add(new BgpPeerConfig(NameOf("Mesh", theirs, null), theirs, otherAs)
                    {
                        Port = port, Passive = passive, Password = meshPassword.Key, SourceAddress = mine,
                    });
                }
            }
        }

        foreach (var peer in peers.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            var spec = peer.Spec;
            if (!AppliesTo(spec, self)) continue;
            var (resolved, password) = PasswordOf(spec.Password, $"BGPPeer {peer.Metadata.Name}");
            if (!resolved) continue;
            if (spec.PeerSelector is { } peerSelector)
            {
                // Peerings with other Calico nodes (typically route reflectors): their addresses and AS come from their Node.
                if (!Selector.TryParse(peerSelector, out var selector, out _)) continue;
                foreach (var other in nodes.Where(n => n.Metadata.Name != nodeName && selector.Matches(n.Metadata.Labels)))
                {
                    foreach (var (mine, theirs) in new[] { (v4, Address(other.Spec.Bgp?.IPv4Address)), (v6, Address(other.Spec.Bgp?.IPv6Address)) })
                    {
                        if (mine is null || theirs is null) continue;
                        result.Add(new BgpPeerConfig(NameOf("Node", theirs, null), theirs, other.Spec.Bgp?.AsNumber ?? defaultAs)
                        {
                            Port = port,
                            Passive = string.CompareOrdinal(theirs.ToString(), mine.ToString()) > 0,
                            Password = password,
                            SourceAddress = mine,
                        });
                    }
                }
                continue;
            }
            if (spec.PeerIP is null || spec.AsNumber is not { } peerAs) continue;
            if (!TryParsePeerIp(spec.PeerIP, out var address, out var peerPort)) continue;
            if (address.Equals(v4) || address.Equals(v6)) continue;
            var source = spec.SourceAddress == BGPPeerSpec.SourceAddressNone ? null : address.AddressFamily == AddressFamily.InterNetwork ? v4 : v6;
            var kind = spec.Node is null && spec.NodeSelector is null ? "Global" : "Node";
            result.Add(new BgpPeerConfig(NameOf(kind, address, peerPort), address, peerAs)
            {
                Port = peerPort ?? BGPConfigurationSpec.DefaultListenPort,
                Password = password,
                SourceAddress = source,
            });
        }
        var clusterId = ClusterId(self.Spec.Bgp?.RouteReflectorClusterID);
        var unique = result.DistinctBy(p => p.Address).Select(p => clusterId is null ? p : p with
        {
            // confd: a peer in our AS is an rr client unless it is a Calico node in the same cluster.
            RouteReflectorClient = p.As == localAs && ClusterId(NodeAt(nodes, p.Address)?.Spec.Bgp?.RouteReflectorClusterID) != clusterId,
        }).ToList();
        return new BgpNodeConfig(localAs, v4 ?? IPAddress.Parse("0.0.0.1"), v4, v6, port, unique) { ClusterId = clusterId, Skipped = skipped };
    }

    /// <summary>A cluster id is written like an IPv4 address (<c>244.0.0.1</c>); a plain number is accepted too.</summary>
    public static uint? ClusterId(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetwork)
            return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
    }

    private static Node? NodeAt(IReadOnlyList<Node> nodes, IPAddress address) =>
        nodes.FirstOrDefault(n => address.Equals(Address(n.Spec.Bgp?.IPv4Address)) || address.Equals(Address(n.Spec.Bgp?.IPv6Address)));

    /// <summary><c>ip</c>, <c>ip:port</c> or <c>[v6]:port</c>, as BGPPeer's peerIP.</summary>
    public static bool TryParsePeerIp(string text, out IPAddress address, out int? port)
    {
        port = null;
        if (IPAddress.TryParse(text, out address!) && !text.Contains(']')) return true;
        var colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536
            && IPAddress.TryParse(text[..colon].Trim('[', ']'), out address!))
        {
            port = p;
            return true;
        }
        address = IPAddress.None;
        return false;
    }

    private static bool AppliesTo(BGPPeerSpec spec, Node self)
    {
        if (spec.Node is not null) return spec.Node == self.Metadata.Name;
        if (spec.NodeSelector is null) return true;
        return Selector.TryParse(spec.NodeSelector, out var selector, out _) && selector.Matches(self.Metadata.Labels);
    }

    /// <summary>Node resources carry their BGP addresses as CIDRs (<c>10.0.0.1/24</c>).</summary>
    private static IPAddress? Address(string? cidr) =>
        cidr is not null && IPAddress.TryParse(cidr.Split('/')[0], out var address) ? address : null;

    /// <summary>BIRD protocol names as confd writes them: <c>Mesh_10_0_0_2</c>, <c>Global_10_0_0_9_port_1790</c>.</summary>
    private static string NameOf(string kind, IPAddress address, int? port) =>
        $"{kind}_{address.ToString().Replace('.', '_').Replace(':', '_')}{(port is { } p ? $"_port_{p}" : "")}";
}
