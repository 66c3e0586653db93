using System.Net;
using CniNet.Bgp.Speaker;
using CniNet.Model.Bgp;
using CniNet.Model.Kubernetes;
using CniNet.Model.Network;
using CniNet.Model.Resources;
using Xunit;

namespace CniNet.Tests.Property.Bgp;

/// <summary>Calico's resources become the peers confd would render for BIRD.</summary>
public sealed class CalicoBgpConfigTests
{
    private static Node NodeOf(string name, string? v4, uint? @as = null, string? rr = null, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Labels = labels },
        Spec = new NodeSpec { Bgp = new NodeBgpSpec { IPv4Address = v4, AsNumber = @as, RouteReflectorClusterID = rr } },
    };

    private static BGPPeer PeerOf(string name, string? ip, uint? @as, string? node = null, string? selector = null, string? peerSelector = null) => new()
    {
        Metadata = new ObjectMeta { Name = name },
        Spec = new BGPPeerSpec { PeerIP = ip, AsNumber = @as, Node = node, NodeSelector = selector, PeerSelector = peerSelector },
    };

    private static BGPConfiguration Default(bool mesh = true, uint? @as = null, ushort port = 0) => new()
    {
        Metadata = new ObjectMeta { Name = "default" },
        Spec = new BGPConfigurationSpec { NodeToNodeMeshEnabled = mesh, AsNumber = @as, ListenPort = port },
    };

    [Fact]
    public void The_mesh_peers_with_every_other_node_and_the_greater_address_connects()
    {
        Node[] nodes = [NodeOf("a", "10.0.0.5/24"), NodeOf("b", "10.0.0.40/24", 65010), NodeOf("c", "10.0.0.100/24"), NodeOf("rr", "10.0.0.7/24", rr: "1.0.0.1")];

        var config = CalicoBgpConfig.Resolve("b", nodes, [Default(port: 1790)], [], BgpPasswords.None)!;

        Assert.Equal(65010u, config.LocalAs);
        Assert.Equal(IPAddress.Parse("10.0.0.40"), config.RouterId);
        Assert.Equal(1790, config.ListenPort);
        // As strings "10.0.0.5" > "10.0.0.40" and "10.0.0.100" < "10.0.0.40": confd's comparison, not a numeric one.
        Assert.Equal(
            [("Mesh_10_0_0_5", true, 64512u, 1790), ("Mesh_10_0_0_100", false, 64512u, 1790)],
            config.Peers.Select(p => (p.Name, p.Passive, p.As, p.Port)));
        Assert.All(config.Peers, p => Assert.Equal(IPAddress.Parse("10.0.0.40"), p.SourceAddress));
    }

    [Fact]
    public void Bgp_peers_apply_globally_per_node_or_by_selector_and_the_mesh_can_be_off()
    {
        Node[] nodes = [NodeOf("a", "10.0.0.5/24", labels: new() { ["rack"] = "r1" }), NodeOf("b", "10.0.0.6/24")];
        BGPPeer[] peers =
        [
            PeerOf("tor", "10.0.0.254:1790", 65000, selector: "rack == 'r1'"),
            PeerOf("global", "192.0.2.1", 65001),
            PeerOf("other", "192.0.2.2", 65002, node: "b"),
            PeerOf("mine", "[fd00::1]:179", 65003, node: "a"),
        ];

        var config = CalicoBgpConfig.Resolve("a", nodes, [Default(mesh: false)], peers, BgpPasswords.None)!;

        Assert.Equal(
            [("Global_192_0_2_1", 179), ("Node_fd00__1_port_179", 179), ("Node_10_0_0_254_port_1790", 1790)],
            config.Peers.Select(p => (p.Name, p.Port)));
        Assert.Null(config.Peers.Single(p => p.As == 65003).SourceAddress);
    }

    [Fact]
    public void A_route_reflector_node_makes_same_as_peers_clients_except_reflectors_of_its_cluster()
    {
        var rrLabel = new Dictionary<string, string> { ["route-reflector"] = "true" };
        Node[] nodes =
        [
            NodeOf("rr-1", "10.0.0.1/24", rr: "244.0.0.1", labels: rrLabel),
            NodeOf("rr-2", "10.0.0.2/24", rr: "244.0.0.1", labels: rrLabel),
            NodeOf("worker", "10.0.0.9/24"),
        ];
        BGPPeer[] peers =
        [
            PeerOf("to-rrs", null, null, peerSelector: "has(route-reflector)"),
            PeerOf("bird", "10.0.0.50", 64512),
            PeerOf("tor", "10.0.0.254", 65000),
        ];

        var config = CalicoBgpConfig.Resolve("rr-1", nodes, [Default()], peers, BgpPasswords.None)!;

        Assert.Equal(CalicoBgpConfig.ClusterId("244.0.0.1"), config.ClusterId);
        Assert.Equal(0xF4000001u, config.ClusterId);
        // The mesh leaves reflectors out; the peer selector brings in rr-2 (same cluster: a plain iBGP peer).
        Assert.Equal(
            [("Global_10_0_0_50", true), ("Node_10_0_0_2", false), ("Global_10_0_0_254", false)],
            config.Peers.Select(p => (p.Name, p.RouteReflectorClient)));
    }

    [Fact]
    public void A_node_without_a_bgp_address_has_no_config_yet()
    {
        Assert.Null(CalicoBgpConfig.Resolve("a", [NodeOf("a", null)], [], [], BgpPasswords.None));
        Assert.Null(CalicoBgpConfig.Resolve("missing", [NodeOf("a", "10.0.0.5/24")], [], [], BgpPasswords.None));
    }

    [Theory]
    [InlineData("10.0.0.1", "10.0.0.1", null)]
    [InlineData("10.0.0.1:1790", "10.0.0.1", 1790)]
    [InlineData("fd00::1", "fd00::1", null)]
    [InlineData("[fd00::1]:1790", "fd00::1", 1790)]
    public void Peer_ip_reads_with_an_optional_port(string text, string address, int? port)
    {
        Assert.True(CalicoBgpConfig.TryParsePeerIp(text, out var a, out var p));
        Assert.Equal(IPAddress.Parse(address), a);
        Assert.Equal(port, p);
    }

    [Fact]
    public void Passwords_come_from_the_named_Secret_key_and_a_reference_that_does_not_resolve_leaves_its_peer_out_with_the_reason()
    {
        Node[] nodes = [NodeOf("a", "10.0.0.5/24"), NodeOf("b", "10.0.0.6/24")];
        static BGPPassword Ref(string name, string key) => new() { SecretKeyRef = new SecretKeySelector { Name = name, Key = key } };
        BGPPeer With(string name, string ip, BGPPassword? password)
        {
            var peer = PeerOf(name, ip, 65000);
            peer.Spec.Password = password;
            return peer;
        }
        BGPPeer[] peers =
        [
            With("data", "192.0.2.1", Ref("s", "d")), With("string", "192.0.2.2", Ref("s", "both")), With("nokey", "192.0.2.3", Ref("s", "none")),
            With("nosecret", "192.0.2.4", Ref("gone", "d")), With("empty", "192.0.2.5", Ref("s", "empty")), With("long", "192.0.2.6", Ref("s", "long")),
            With("plain", "192.0.2.7", null),
        ];
        var secret = new Secret
        {
            Data = new() { ["d"] = "from-data"u8.ToArray(), ["both"] = "loses"u8.ToArray(), ["empty"] = [], ["long"] = new byte[81] },
            StringData = new() { ["both"] = "from-stringData" },
        };
        var passwords = new BgpPasswords("calico-system", new Dictionary<string, Secret> { ["s"] = secret });
        var mesh = Default();
        mesh.Spec.NodeMeshPassword = Ref("gone", "mesh");

        var config = CalicoBgpConfig.Resolve("a", nodes, [mesh], peers, passwords)!;

        Assert.Equal([("Global_192_0_2_1", "from-data"), ("Global_192_0_2_7", null), ("Global_192_0_2_2", "from-stringData")],
            config.Peers.Select(p => (p.Name, p.Password)));
        Assert.Equal(
        [
            "BGPConfiguration default nodeMeshPassword: password: Secret calico-system/gone not found; no session",
            "BGPPeer empty: password: Secret calico-system/s key \"empty\" is empty; no session",
            "BGPPeer long: password: Secret calico-system/s key \"long\" is 81 bytes; a TCP MD5 key is at most 80; no session",
            "BGPPeer nokey: password: Secret calico-system/s has no key \"none\"; no session",
            "BGPPeer nosecret: password: Secret calico-system/gone not found; no session",
        ], config.Skipped);
        Assert.Equal(["gone", "s"], BgpPasswords.SecretNames([mesh], peers));
    }
}
