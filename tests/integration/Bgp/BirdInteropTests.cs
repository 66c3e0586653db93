using System.Collections.Concurrent;
using System.Net;
using System.Text;
using CniNet.Bgp.Session;
using CniNet.Bgp.Speaker;
using CniNet.Linux;
using CniNet.Model.Net;
using CniNet.Tests.Integration.Linux;
using Xunit;
using Xunit.Abstractions;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>Our speaker against a real BIRD 2 across a bridge: sessions, routes in both RIBs and both kernels, withdrawals.</summary>
public sealed class BirdInteropTests(ITestOutputHelper output)
{
    private const string Node = "node-a";

    /// <summary>The resources of one node at 10.99.0.1 (and fd00:99::1) in AS 64512 peering with <paramref name="peerIp"/>, with the mesh off.</summary>
    private static string Resources(string peerIp, uint peerAs, string peerExtra = "") => BgpYaml.Join(
        BgpYaml.Pool("pods", "10.244.0.0/16", 26),
        BgpYaml.Pool("pods6", "fd00:244::/64", 122),
        BgpYaml.Node(Node, "ipv4Address: 10.99.0.1/24, ipv6Address: \"fd00:99::1/64\""),
        BgpYaml.MeshOff,
        BgpYaml.Peer("bird", peerIp, peerAs, peerExtra));

    private BgpSpeakerOptions Options(NetworkNamespace ns) => Blocks.Options(ns, output);

    private static Task WaitEstablishedAsync(BgpSpeaker speaker, BirdProcess bird, string protocol) =>
        WaitEstablishedAsync(Assert.Single(speaker.Sessions), bird, protocol);

    private static Task WaitEstablishedAsync(BgpSession session, BirdProcess bird, string protocol) => Task.WhenAll(
        Eventually.HoldsAsync(() => session.State == BgpSessionState.Established, "our session Established", () => $"{session} {session.LastError}\n{bird.Log}"),
        Eventually.HoldsAsync(() => bird.Birdc("show", "protocols", protocol).Contains("Established"), "BIRD's session Established", () => bird.Log));

    private static string Routes(NetworkNamespace ns, params string[] args) => BgpLab.Ip(ns, ["route", "show", .. args]);

    [Fact]
    public async Task Ibgp_with_bird_exchanges_blocks_and_static_routes_through_both_kernels_and_withdraws_both_ways()
    {
        using var lab = new BgpLab();
        var node = lab.AddHost("10.99.0.1/24");
        var birdHost = lab.AddHost("10.99.0.2/24");
        await using var store = new TestStore();
        await store.ApplyAsync(Resources("10.99.0.2", 64512));
        var block = await Blocks.ClaimAsync(store, Node);
        using var bird = await BirdProcess.StartAsync(birdHost, """
            router id 10.99.0.2;
            protocol device { }
            protocol direct { ipv4; interface "eth0"; }
            protocol kernel { ipv4 { import none; export where proto = "node"; }; }
            protocol static static1 { ipv4; route 10.250.1.0/26 blackhole; route 10.250.2.0/26 blackhole; }
            protocol bgp node {
              local 10.99.0.2 as 64512; neighbor 10.99.0.1 as 64512; connect retry time 1;
              ipv4 { import all; export where proto = "static1"; next hop self; };
            }
            """);
        await using var speaker = await BgpSpeaker.StartAsync(Node, store.Store, Options(node));

        await WaitEstablishedAsync(speaker, bird, "node");

        // Our block: a blackhole in our kernel, a route in BIRD's table and in BIRD's kernel via our address.
        Assert.Contains($"blackhole {block} proto 196", Routes(node));
        await Eventually.HoldsAsync(() => bird.Birdc("show", "route", "protocol", "node").Contains($"{block}"), "the block in BIRD's table",
            () => bird.Birdc("show", "route", "all"));
        await Eventually.HoldsAsync(() => Routes(birdHost, "proto", "bird").Contains($"{block} via 10.99.0.1 dev eth0"), "the block in BIRD's kernel",
            () => Routes(birdHost));

        // BIRD's static routes in our kernel with our protocol number.
        await Eventually.HoldsAsync(() => Routes(node, "proto", "196").Contains("10.250.1.0/26 via 10.99.0.2 dev eth0")
                                          && Routes(node, "proto", "196").Contains("10.250.2.0/26 via 10.99.0.2 dev eth0"),
            "BIRD's static routes in our kernel", () => Routes(node));
        Assert.Contains((await speaker.RoutesAsync()), r => r.Prefix == Cidr.Parse("10.250.1.0/26") && r.NextHop.Equals(IPAddress.Parse("10.99.0.2")));
        Assert.Equal(2, speaker.RouteCount);

        // BIRD withdraws one static route: gone from our kernel, the other stays.
        await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(bird.Socket)!, "bird.conf"),
            (await File.ReadAllTextAsync(Path.Combine(Path.GetDirectoryName(bird.Socket)!, "bird.conf"))).Replace(" route 10.250.2.0/26 blackhole;", ""));
        bird.Birdc("configure");
        await Eventually.HoldsAsync(() => !Routes(node, "proto", "196").Contains("10.250.2.0/26"), "the withdrawn route gone from our kernel", () => Routes(node));
        Assert.Contains("10.250.1.0/26 via 10.99.0.2", Routes(node, "proto", "196"));

        // Session loss: BIRD's routes leave our kernel; they come back with the session.
        bird.Birdc("disable", "node");
        await Eventually.HoldsAsync(() => !Routes(node, "proto", "196").Contains("10.250.1.0/26"), "BIRD's routes gone after the session ended", () => Routes(node));
        bird.Birdc("enable", "node");
        await Eventually.HoldsAsync(() => Routes(node, "proto", "196").Contains("10.250.1.0/26 via 10.99.0.2"), "BIRD's routes back with the session", () => Routes(node));

        // We give the block up: BIRD's table and kernel lose it, our blackhole goes.
        await store.Ipam().ReleaseHostAffinitiesAsync(Node, mustBeEmpty: false);
        await Eventually.HoldsAsync(() => !bird.Birdc("show", "route").Contains($"{block}"), "the block withdrawn from BIRD's table", () => bird.Birdc("show", "route"));
        await Eventually.HoldsAsync(() => !Routes(birdHost).Contains($"{block}"), "the block gone from BIRD's kernel", () => Routes(birdHost));
        Assert.DoesNotContain($"{block}", Routes(node));
    }

    [Fact]
    public async Task Ipv6_blocks_and_routes_travel_over_mp_bgp_on_an_ipv6_session()
    {
        using var lab = new BgpLab();
        var node = lab.AddHost("10.99.0.1/24", "fd00:99::1/64");
        var birdHost = lab.AddHost("10.99.0.2/24", "fd00:99::2/64");
        await using var store = new TestStore();
        await store.ApplyAsync(Resources("fd00:99::2", 64512));
        var block = await Blocks.ClaimAsync(store, Node, v6: true);
        using var bird = await BirdProcess.StartAsync(birdHost, """
            router id 10.99.0.2;
            protocol device { }
            protocol direct { ipv6; interface "eth0"; }
            protocol kernel { ipv6 { import none; export where proto = "node"; }; }
            protocol static static6 { ipv6; route fd00:250:1::/122 blackhole; }
            protocol bgp node {
              local fd00:99::2 as 64512; neighbor fd00:99::1 as 64512; connect retry time 1;
              ipv6 { import all; export where proto = "static6"; next hop self; };
            }
            """);
        await using var speaker = await BgpSpeaker.StartAsync(Node, store.Store, Options(node));

        await WaitEstablishedAsync(speaker, bird, "node");
        Assert.Contains($"blackhole {block}", BgpLab.Ip(node, "-6", "route", "show"));
        await Eventually.HoldsAsync(() => BgpLab.Ip(birdHost, "-6", "route", "show", "proto", "bird").Contains($"{block} via fd00:99::1 dev eth0"),
            "the IPv6 block in BIRD's kernel", () => bird.Birdc("show", "route", "all"));
        await Eventually.HoldsAsync(() => BgpLab.Ip(node, "-6", "route", "show", "proto", "196").Contains("fd00:250:1::/122 via fd00:99::2 dev eth0"),
            "BIRD's IPv6 route in our kernel", () => BgpLab.Ip(node, "-6", "route", "show"));

        bird.Birdc("disable", "static6");
        await Eventually.HoldsAsync(() => !BgpLab.Ip(node, "-6", "route", "show", "proto", "196").Contains("fd00:250:1::/122"),
            "the IPv6 route withdrawn from our kernel", () => BgpLab.Ip(node, "-6", "route", "show"));
    }

    [Fact]
    public async Task Ebgp_with_a_bird_tor_in_another_as_carries_as_paths_both_ways()
    {
        using var lab = new BgpLab();
        var node = lab.AddHost("10.99.0.1/24");
        var tor = lab.AddHost("10.99.0.254/24");
        await using var store = new TestStore();
        await store.ApplyAsync(Resources("10.99.0.254", 65000));
        var block = await Blocks.ClaimAsync(store, Node);
        using var bird = await BirdProcess.StartAsync(tor, """
            router id 10.99.0.254;
            protocol device { }
            protocol kernel { ipv4 { import none; export where proto = "node"; }; }
            protocol static uplink { ipv4; route 10.250.9.0/24 blackhole; }
            protocol bgp node {
              local 10.99.0.254 as 65000; neighbor 10.99.0.1 as 64512; connect retry time 1;
              ipv4 { import all; export where proto = "uplink"; };
            }
            """);
        await using var speaker = await BgpSpeaker.StartAsync(Node, store.Store, Options(node));

        await WaitEstablishedAsync(speaker, bird, "node");
        await Eventually.HoldsAsync(() => bird.Birdc("show", "route", "all", block.ToString()).Contains("BGP.as_path: 64512"),
            "the block at the ToR with our AS as its path", () => bird.Birdc("show", "route", "all"));
        await Eventually.HoldsAsync(() => Routes(tor, "proto", "bird").Contains($"{block} via 10.99.0.1 dev eth0"), "the block in the ToR's kernel", () => Routes(tor));
        await Eventually.HoldsAsync(() => Routes(node, "proto", "196").Contains("10.250.9.0/24 via 10.99.0.254 dev eth0"), "the ToR's route in our kernel", () => Routes(node));
        var learned = Assert.Single(await speaker.RoutesAsync());
        Assert.True(learned.External);
        Assert.Equal(65000u, learned.Attributes.NeighborAs);
        Assert.Equal(1, learned.Attributes.AsPathLength);
    }

    [Fact]
    public async Task Md5_key_from_a_stored_Secret_wrong_keeps_the_session_down_right_brings_it_up_and_a_changed_Secret_rekeys_only_its_session()
    {
        using var lab = new BgpLab();
        var node = lab.AddHost("10.99.0.1/24");
        var birdHost = lab.AddHost("10.99.0.2/24");
        var plainHost = lab.AddHost("10.99.0.3/24");
        await using var store = new TestStore();
        static string Secret(string key, string value) =>
            BgpYaml.Secret("bgp-secrets", BgpSpeakerOptions.DefaultSecretNamespace, $"{key}: {Convert.ToBase64String(Encoding.UTF8.GetBytes(value))}");
        await store.ApplyAsync(BgpYaml.Join(
            Resources("10.99.0.2", 64512, BgpYaml.Password("bgp-secrets", "bird")),
            BgpYaml.Peer("plain", "10.99.0.3", 64512),
            Secret("bird", "not-the-secret")));
        const string config = """
            router id ROUTER;
            protocol device { }
            protocol bgp node {
              local ROUTER as 64512; neighbor 10.99.0.1 as 64512; connect retry time 1; PASSWORD
              ipv4 { import all; export none; };
            }
            """;
        string BirdConfig(string router, string? password) =>
            config.Replace("ROUTER", router).Replace("PASSWORD", password is null ? "" : $"password \"{password}\";");
        using var bird = await BirdProcess.StartAsync(birdHost, BirdConfig("10.99.0.2", "the-secret"));
        using var plainBird = await BirdProcess.StartAsync(plainHost, BirdConfig("10.99.0.3", null));
        var log = new ConcurrentQueue<string>();
        var options = Options(node);
        await using var speaker = await BgpSpeaker.StartAsync(Node, store.Store, options with
        {
            Log = line =>
            {
                log.Enqueue(line);
                options.Log(line);
            },
        });
        // While a session is re-keyed the speaker replaces it: for a moment there is none to the peer.
        BgpSession? Find(string address) => speaker.Sessions.SingleOrDefault(s => s.Peer.Address.Equals(IPAddress.Parse(address)));
        BgpSession SessionTo(string address) => Find(address) ?? throw new InvalidOperationException($"no session to {address}");
        var plain = SessionTo("10.99.0.3");
        await Eventually.HoldsAsync(() => plain.State == BgpSessionState.Established, "the session without a password Established", () => plainBird.Log);

        // The Secret holds the wrong key: the kernel drops segments signed with it, our connects time out, nothing gets to OPEN.
        var wrong = SessionTo("10.99.0.2");
        Assert.Equal("not-the-secret", wrong.Peer.Password);
        await Eventually.HoldsAsync(() => wrong.LastError == "connect timed out", "our connect attempts time out", () => $"{wrong} {wrong.LastError}");
        Assert.DoesNotContain("Established", bird.Birdc("show", "protocols", "node"));

        // The right key in the Secret: the session is made again with it and comes up, signed.
        await store.ApplyAsync(Secret("bird", "the-secret"));
        await Eventually.HoldsAsync(() => Find("10.99.0.2") is { State: BgpSessionState.Established } s && s.Peer.Password == "the-secret",
            "the session Established with the Secret's new key", () => $"{Find("10.99.0.2")}\n{bird.Log}");
        Assert.Contains("md5keys", TestNamespaces.Exec(node, "ss", "-tni", "state", "established", "dst", "10.99.0.2").Stdout);
        var keyed = SessionTo("10.99.0.2");

        // The Secret changes again: only its session is re-keyed (down until BIRD has the new key too); the other stays up as it was.
        await store.ApplyAsync(Secret("bird", "the-next-secret"));
        await Eventually.HoldsAsync(() => Find("10.99.0.2") is { } s && s != keyed, "the session made again with the changed key", () => $"{Find("10.99.0.2")}");
        Assert.NotEqual(BgpSessionState.Established, SessionTo("10.99.0.2").State);
        await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(bird.Socket)!, "bird.conf"), BirdConfig("10.99.0.2", "the-next-secret"));
        bird.Birdc("configure");
        await WaitEstablishedAsync(SessionTo("10.99.0.2"), bird, "node");
        Assert.Equal("the-next-secret", SessionTo("10.99.0.2").Peer.Password);
        Assert.Same(plain, SessionTo("10.99.0.3"));
        Assert.Equal(BgpSessionState.Established, plain.State);

        // The key leaves the Secret: a clear log line, and no session at all rather than one without MD5.
        await store.ApplyAsync(Secret("other", "x"));
        await Eventually.HoldsAsync(() => !speaker.Sessions.Any(s => s.Peer.Address.Equals(IPAddress.Parse("10.99.0.2"))), "the session gone",
            () => string.Join("\n", log));
        Assert.Contains("BGPPeer bird: password: Secret calico-system/bgp-secrets has no key \"bird\"; no session", log);
        Assert.Same(plain, SessionTo("10.99.0.3"));
    }
}
