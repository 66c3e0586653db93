using CniNet.Bgp.Session;
using CniNet.Bgp.Speaker;
using CniNet.IpamCore;
using CniNet.Model.Net;
using Xunit;
using Xunit.Abstractions;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>
/// What a Calico node advertises beyond its blocks, checked in a real BIRD's table: /32s borrowed from other nodes'
/// blocks, service CIDRs, host routes for Local services served here, communities from <c>prefixAdvertisements</c>, and
/// nothing from a <c>disableBGPExport</c> pool.
/// </summary>
public sealed class CalicoAdvertisementTests(ITestOutputHelper output)
{
    private const string Node = "node-a";

    private const string Configuration = """
        apiVersion: projectcalico.org/v3
        kind: BGPConfiguration
        metadata: {name: default}
        spec:
          nodeToNodeMeshEnabled: false
          asNumber: 64512
          serviceClusterIPs: [{cidr: 10.96.0.0/12}]
          serviceExternalIPs: [{cidr: 192.0.2.0/24}]
          serviceLoadBalancerIPs: [{cidr: 198.51.100.0/24}]
          communities: [{name: services, value: "64512:100"}]
          prefixAdvertisements:
          - {cidr: 10.96.0.0/12, communities: [services, "64512:1:2"]}
          - {cidr: 10.244.0.0/16, communities: ["65000:7"]}
        """;

    [Fact]
    public async Task Borrowed_addresses_services_and_communities_reach_bird_and_a_silent_pool_does_not()
    {
        using var lab = new BgpLab("bgp-mesh");
        var node = lab.AddHost("10.99.0.1/24");
        var birdHost = lab.AddHost("10.99.0.2/24");
        await using var store = new TestStore();
        await store.ApplyAsync(BgpYaml.Join(
            BgpYaml.Pool("pods", "10.244.0.0/16", 26),
            "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: silent}\nspec: {cidr: 10.245.0.0/16, blockSize: 26, disableBGPExport: true}",
            BgpYaml.Node(Node, "ipv4Address: 10.99.0.1/24"),
            BgpYaml.Node("node-b", "ipv4Address: 10.99.0.9/24"),
            Configuration,
            BgpYaml.Peer("bird", "10.99.0.2", 64512)));
        var ownBlock = await Blocks.ClaimAsync(store, Node);
        var otherBlock = await Blocks.ClaimAsync(store, "node-b");
        var (silent, _) = await store.Ipam().AutoAssignAsync(new AutoAssignArgs
        {
            Hostname = Node, HandleId = "silent-pod", Num4 = 1, IPv4Pools = [Cidr.Parse("10.245.0.0/16")],
        });
        var silentBlock = Cidr.Containing(silent.IPs[0].NetworkAddress, 26);
        // A pod on node-a given an address of node-b's block (Calico's borrowing when node-a has no block with room).
        var borrowed = otherBlock.AddressAt(10);
        await store.Ipam().AssignIPAsync(new AssignIPArgs
        {
            IP = borrowed, HandleId = "borrowed-pod", Hostname = Node, Attrs = new Dictionary<string, string> { ["node"] = Node },
        });
        using var bird = await BirdProcess.StartAsync(birdHost, BirdProcess.Listener());
        await using var speaker = await BgpSpeaker.StartAsync(Node, store.Store, Blocks.Options(node, output));
        await Eventually.HoldsAsync(() => speaker.Sessions.Single().State == BgpSessionState.Established, "the session Established", () => bird.Log);

        string Route(string prefix) => bird.Birdc("show", "route", prefix, "all");
        await Eventually.HoldsAsync(() => Route("10.96.0.0/12").Contains("BGP.community: (64512,100)"), "the service cluster CIDR with its community",
            () => bird.Birdc("show", "route", "all"));
        var service = Route("10.96.0.0/12");
        Assert.Contains("BGP.large_community: (64512, 1, 2)", service);
        Assert.Contains("BGP.local_pref: 2147482623", service);
        Assert.Contains("BGP.next_hop: 10.99.0.1", Route("192.0.2.0/24"));
        Assert.Contains("BGP.next_hop: 10.99.0.1", Route("198.51.100.0/24"));
        Assert.Contains("BGP.community: (65000,7)", Route(ownBlock.ToString()));
        Assert.Contains("BGP.community: (65000,7)", Route($"{borrowed}/32"));
        Assert.DoesNotContain("(64512,100)", Route($"{borrowed}/32"));
        Assert.Contains("Network not found", Route(otherBlock.ToString()));
        Assert.Contains("Network not found", Route(silentBlock.ToString()));
        // The silent pool's block still has its blackhole; services and the borrowed address get no route from us.
        Assert.Contains($"blackhole {silentBlock} proto 196", BgpLab.Ip(node, "route", "show"));
        Assert.DoesNotContain("10.96.0.0/12", BgpLab.Ip(node, "route", "show"));

        // The borrowed address released: its /32 is withdrawn.
        await store.Ipam().ReleaseIPsAsync([new ReleaseRequest(borrowed, "borrowed-pod")]);
        await Eventually.HoldsAsync(() => Route($"{borrowed}/32").Contains("Network not found"), "the borrowed /32 withdrawn", () => bird.Birdc("show", "route"));
        Assert.Contains("BGP.community: (65000,7)", Route(ownBlock.ToString()));
    }

    [Fact]
    public async Task Local_services_external_and_load_balancer_ips_are_host_routes_only_while_an_endpoint_here_is_ready()
    {
        using var lab = new BgpLab("bgp-mesh");
        var node = lab.AddHost("10.99.0.1/24");
        var birdHost = lab.AddHost("10.99.0.2/24");
        await using var store = new TestStore();
        static string Slice(string service, string onNode, bool ready) =>
            "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
            + $"metadata: {{name: {service}-1, namespace: shop, labels: {{kubernetes.io/service-name: {service}}}}}\naddressType: IPv4\n"
            + $"endpoints: [{{addresses: [10.244.0.5], nodeName: {onNode}, conditions: {{ready: {(ready ? "true" : "false")}}}}}]";
        await store.ApplyAsync(BgpYaml.Join(
            BgpYaml.Node(Node, "ipv4Address: 10.99.0.1/24"),
            Configuration,
            BgpYaml.Peer("bird", "10.99.0.2", 64512),
            // Local: its external IP in serviceExternalIPs and its load balancer IP are advertised from nodes serving it; 203.0.113.5 is in no allowed range.
            """
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: shop}
            spec: {type: LoadBalancer, externalTrafficPolicy: Local, externalIPs: [192.0.2.10, 203.0.113.5]}
            status: {loadBalancer: {ingress: [{ip: 198.51.100.7}]}}
            """,
            // Cluster: every node takes its traffic, the CIDR covers it, no host route.
            "apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\nspec: {externalTrafficPolicy: Cluster, externalIPs: [192.0.2.20]}",
            Slice("web", "node-b", ready: true),
            Slice("api", Node, ready: true)));
        using var bird = await BirdProcess.StartAsync(birdHost, BirdProcess.Listener());
        await using var speaker = await BgpSpeaker.StartAsync(Node, store.Store, Blocks.Options(node, output));
        await Eventually.HoldsAsync(() => speaker.Sessions.Single().State == BgpSessionState.Established, "the session Established", () => bird.Log);
        string Route(string prefix) => bird.Birdc("show", "route", prefix, "all");
        await Eventually.HoldsAsync(() => Route("192.0.2.0/24").Contains("BGP.next_hop: 10.99.0.1"), "the external IP CIDR", () => bird.Birdc("show", "route"));
        // Only node-b serves web so far.
        Assert.Contains("Network not found", Route("192.0.2.10/32"));
        Assert.Contains("Network not found", Route("198.51.100.7/32"));

        await store.ApplyAsync(Slice("web", Node, ready: true));
        await Eventually.HoldsAsync(() => Route("192.0.2.10/32").Contains("BGP.next_hop: 10.99.0.1") && Route("198.51.100.7/32").Contains("BGP.next_hop: 10.99.0.1"),
            "web's external and load balancer IPs as host routes", () => bird.Birdc("show", "route"));
        Assert.Contains("Network not found", Route("203.0.113.5/32"));
        Assert.Contains("Network not found", Route("192.0.2.20/32"));

        // The endpoint here is no longer ready: both host routes are withdrawn, the CIDRs stay.
        await store.ApplyAsync(Slice("web", Node, ready: false));
        await Eventually.HoldsAsync(() => Route("192.0.2.10/32").Contains("Network not found") && Route("198.51.100.7/32").Contains("Network not found"),
            "web's host routes withdrawn", () => bird.Birdc("show", "route"));
        Assert.Contains("BGP.next_hop: 10.99.0.1", Route("192.0.2.0/24"));
    }
}
