using System.Collections.Immutable;
using System.Net;
using CniNet.Felix.Calc;
using CniNet.Model.Policy;
using CniNet.Model.Resources;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// A cluster whose policies use every rule form the renderers have: selectors and notSelector, nets and notNets in
/// both families, port ranges, named ports and notPorts, ICMP type/code and notICMP, protocols and notProtocol, the
/// four actions, a tier whose default is Pass, and this node's host endpoints (failsafe ports, a profile, preDNAT,
/// applyOnForward and doNotTrack policy), with dual-stack pods carrying named ports.
/// </summary>
public static class RuleFormsCluster
{
    public const string NodeName = "forms-node";

    public static ClusterState State()
    {
        var tcp80 = ImmutableArray.Create(new NamedPort("http", 80, Protocol.Tcp), new NamedPort("dns", 53, Protocol.Udp));
        var state = ClusterState.Empty
            .WithNamespace("x", [new("team", "a")])
            .WithNamespace("y", [new("team", "b")])
            .WithPod(Pod("x", "a", "10.65.0.1", tcp80, ("app", "web")))
            .WithPod(Pod("x", "b", "fd00:65::2", tcp80, ("app", "web")))
            .WithPod(Pod("y", "c", "10.65.1.3", [], ("app", "db")))
            .WithPod(Pod("y", "d", "fd00:65::4", [], ("app", "db"), ("tier", "x")))
            .WithGlobalNetworkSet(new GlobalNetworkSet
            {
                Metadata = new ObjectMeta { Name = "outside", Labels = new() { ["kind"] = "outside" } },
                Spec = new GlobalNetworkSetSpec { Nets = ["192.0.2.0/24", "192.0.2.128/25", "2001:db8::/32", "198.51.100.7/32"] },
            })
            .WithTier(new Tier { Metadata = new ObjectMeta { Name = "security" }, Spec = new TierSpec { Order = 100, DefaultAction = "Pass" } })
            .WithTier(new Tier { Metadata = new ObjectMeta { Name = "platform" }, Spec = new TierSpec { Order = 200 } })
            .WithGlobalNetworkPolicy(Gnp("security.nets", "security", 1, "all()", ["Ingress", "Egress"],
                [
                    new Rule { Action = Rule.ActionDeny, Source = new EntityRule { Nets = ["192.0.2.0/24", "192.0.2.9/32", "2001:db8::/48"], NotNets = ["192.0.2.128/25"] } },
                    new Rule { Action = Rule.ActionLog, Source = new EntityRule { NotNets = ["10.0.0.0/8", "fd00::/8"] } },
                    new Rule { Action = Rule.ActionPass, Source = new EntityRule { Selector = "kind == 'outside'" } },
                    new Rule { Action = Rule.ActionDeny, Source = new EntityRule { NotNets = ["0.0.0.0/0"] } },
                ],
                [new Rule { Action = Rule.ActionPass, Destination = new EntityRule { Nets = ["198.51.100.0/24"], NotPorts = [Port.Range(1, 1023)] }, Protocol = Protocol.Tcp }]))
            .WithGlobalNetworkPolicy(Gnp("platform.ports", "platform", 1, "app == 'web'", ["Ingress", "Egress"],
                [
                    new Rule { Action = Rule.ActionAllow, Protocol = Protocol.Tcp, Destination = new EntityRule { Ports = [Port.Single(80), Port.Range(8000, 8080), Port.Range(8081, 8090), Port.Named("http")] } },
                    new Rule { Action = Rule.ActionAllow, Protocol = Protocol.Udp, Source = new EntityRule { Ports = [Port.Single(53)] }, Destination = new EntityRule { Ports = [Port.Single(5353)] } },
                    new Rule { Action = Rule.ActionAllow, Destination = new EntityRule { Ports = [Port.Single(443), Port.Single(8443)] } },
                    new Rule { Action = Rule.ActionDeny, Protocol = Protocol.Tcp, Destination = new EntityRule { NotPorts = [Port.Single(22), Port.Named("http")], Selector = "app == 'db'", NotSelector = "tier == 'x'" } },
                    new Rule { Action = Rule.ActionAllow, NotProtocol = Protocol.Udp, Source = new EntityRule { NamespaceSelector = "team == 'b'" } },
                    new Rule { Action = Rule.ActionAllow, Protocol = Protocol.Icmp, Icmp = new ICMPFields { Type = 8, Code = 0 } },
                    new Rule { Action = Rule.ActionAllow, Protocol = Protocol.Icmp, Icmp = new ICMPFields { Type = 0 } },
                    new Rule { Action = Rule.ActionDeny, Protocol = Protocol.Icmp, NotICMP = new ICMPFields { Type = 3, Code = 4 } },
                    new Rule { Action = Rule.ActionDeny, Protocol = Protocol.IcmpV6, NotICMP = new ICMPFields { Type = 128 } },
                    new Rule { Action = Rule.ActionAllow, Protocol = Protocol.IcmpV6, Icmp = new ICMPFields { Type = 128, Code = 0 }, IpVersion = 6 },
                    new Rule { Action = Rule.ActionAllow, Protocol = Protocol.Sctp, Destination = new EntityRule { Ports = [Port.Single(9999)] } },
                ],
                [new Rule { Action = Rule.ActionAllow, Destination = new EntityRule { Selector = "app == 'db'", Ports = [Port.Named("dns")] }, Protocol = Protocol.Udp }]))
            .WithGlobalNetworkPolicy(Gnp("host-normal", "platform", 2, "hep == 'uplink'", ["Ingress", "Egress"],
                [new Rule { Action = Rule.ActionAllow, Protocol = Protocol.Tcp, Destination = new EntityRule { Ports = [Port.Single(8080)] } }],
                [new Rule { Action = Rule.ActionAllow }]))
            .WithGlobalNetworkPolicy(Gnp("host-forward", "default", 3, "hep == 'uplink'", ["Ingress"],
                [new Rule { Action = Rule.ActionDeny, Source = new EntityRule { Nets = ["203.0.113.0/24"] } }], [], applyOnForward: true))
            .WithGlobalNetworkPolicy(Gnp("host-prednat", "default", 4, "hep == 'uplink'", ["Ingress"],
                [new Rule { Action = Rule.ActionDeny, Protocol = Protocol.Tcp, Source = new EntityRule { Nets = ["192.168.60.2/32"] }, Destination = new EntityRule { Ports = [Port.Single(8088)] } }],
                [], applyOnForward: true, preDnat: true))
            .WithGlobalNetworkPolicy(Gnp("host-untracked", "default", 5, "hep == 'uplink'", ["Ingress", "Egress"],
                [new Rule { Action = Rule.ActionAllow, Protocol = Protocol.Tcp, Destination = new EntityRule { Ports = [Port.Single(9090)] } }],
                [new Rule { Action = Rule.ActionAllow, Protocol = Protocol.Tcp, Source = new EntityRule { Ports = [Port.Single(9090)] } }],
                applyOnForward: true, doNotTrack: true))
            .WithProfile(new Profile
            {
                Metadata = new ObjectMeta { Name = "allow-8081" },
                Spec = new ProfileSpec
                {
                    Ingress = [new Rule { Action = Rule.ActionAllow, Protocol = Protocol.Tcp, Destination = new EntityRule { Ports = [Port.Single(8081)] } }],
                    Egress = [new Rule { Action = Rule.ActionAllow }],
                },
            })
            .WithHostEndpoint(HostEndpoint("eth0", "192.168.60.1", ["allow-8081"]))
            .WithHostEndpoint(HostEndpoint("eth1", "192.168.61.1", []))
            .WithHostEndpoint(HostEndpoint(HostEndpointSpec.AllInterfaces, "192.168.62.1", []));
        return state with
        {
            FailsafeInbound = [new FailsafePort("tcp", 22), new FailsafePort("udp", 68), new FailsafePort("tcp", 179, Model.Net.Cidr.Parse("10.0.0.0/8")), new FailsafePort("tcp", 6443, Model.Net.Cidr.Parse("fd00::/8"))],
            FailsafeOutbound = [new FailsafePort("udp", 53), new FailsafePort("tcp", 2379, Model.Net.Cidr.Parse("192.168.0.0/16"))],
        };
    }

    /// <summary>Changes to <see cref="State"/> that each rewrite a different part of the table, one after the other.</summary>
    public static IEnumerable<ClusterState> Changes(ClusterState state)
    {
        yield return state = state.WithPodLabels("y/c", [new("app", "web")]);
        yield return state = state.WithPod(Pod("x", "e", "10.65.0.5", [new NamedPort("http", 8080, Protocol.Tcp)], ("app", "db")));
        yield return state = state.WithoutPod("x/b");
        yield return state = state.WithoutHostEndpoint($"{NodeName}-eth1");
        yield return state = state.WithGlobalNetworkPolicy(Gnp("platform.ports", "platform", 1, "app == 'web'", ["Ingress"],
            [new Rule { Action = Rule.ActionDeny, Source = new EntityRule { Nets = ["10.65.0.0/16"], NotNets = ["10.65.1.0/24"] } }], []));
        yield return state = state.WithoutHostEndpoint($"{NodeName}-eth0").WithoutHostEndpoint($"{NodeName}-all");
    }

    /// <summary>The state's pods as local workload interfaces (a Calico-like name per pod).</summary>
    public static IReadOnlyCollection<CniNet.Felix.Dataplane.WorkloadInterface> Interfaces(ClusterState state) =>
        [.. state.Pods.Select(p => new CniNet.Felix.Dataplane.WorkloadInterface(p.Key, InterfaceName(p.Key)))];

    public static string InterfaceName(string podKey) =>
        "cali" + Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(podKey)))[..11];

    private static PodEndpoint Pod(string ns, string name, string ip, ImmutableArray<NamedPort> ports, params (string Key, string Value)[] labels) =>
        new(ns, name, labels.ToImmutableDictionary(l => l.Key, l => l.Value), IPAddress.Parse(ip), "default", ports);

    private static GlobalNetworkPolicy Gnp(
        string name, string tier, double order, string selector, List<string> types, List<Rule> ingress, List<Rule> egress,
        bool applyOnForward = false, bool preDnat = false, bool doNotTrack = false) =>
        new()
        {
            Metadata = new ObjectMeta { Name = name },
            Spec = new GlobalNetworkPolicySpec
            {
                Tier = tier, Order = order, Selector = selector, Types = types, Ingress = ingress, Egress = egress,
                ApplyOnForward = applyOnForward, PreDNAT = preDnat, DoNotTrack = doNotTrack,
            },
        };

    private static HostEndpoint HostEndpoint(string iface, string address, List<string> profiles) =>
        new()
        {
            Metadata = new ObjectMeta
            {
                Name = $"{NodeName}-{(iface == HostEndpointSpec.AllInterfaces ? "all" : iface)}",
                Labels = new() { ["hep"] = "uplink" },
            },
            Spec = new HostEndpointSpec { Node = NodeName, InterfaceName = iface, ExpectedIPs = [address], Profiles = profiles },
        };
}
