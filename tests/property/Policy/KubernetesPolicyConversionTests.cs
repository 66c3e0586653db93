using CniNet.Felix.Calc;
using CniNet.Felix.Conversion;
using CniNet.Felix.Policy;
using CniNet.Model.Kubernetes;
using CniNet.Model.Policy;
using Xunit;
using static CniNet.Tests.Property.Policy.PolicyFixtures;

namespace CniNet.Tests.Property.Policy;

public sealed class KubernetesPolicyConversionTests
{
    private static KubernetesNetworkPolicySpec IngressTo(string pod, NetworkPolicyIngressRule rule) =>
        new() { PodSelector = Labels(("pod", pod)), PolicyTypes = ["Ingress"], Ingress = [rule] };

    private static Verdict Probe(ClusterState state, string from, string to, Protocol protocol, ushort port) =>
        new PolicyEvaluator(state).Evaluate(state.Pod(from), state.Pod(to), protocol, port);

    [Fact]
    public void Converted_policy_is_in_tier_default_at_order_1000_with_the_knp_name_and_k8s_selector()
    {
        var converted = KubernetesPolicyConverter.Convert(K8sPolicy("x", "web", IngressTo("a", new NetworkPolicyIngressRule())));

        Assert.Equal("knp.default.web", converted.Metadata.Name);
        Assert.Equal("x", converted.Metadata.Namespace);
        Assert.Equal("default", converted.Spec.Tier);
        Assert.Equal(1000, converted.Spec.Order);
        Assert.Equal("projectcalico.org/orchestrator == 'k8s' && pod == 'a'", converted.Spec.Selector);
        Assert.Equal(["Ingress"], converted.Spec.Types);
    }

    [Fact]
    public void Port_without_protocol_is_TCP()
    {
        var rule = new NetworkPolicyIngressRule { Ports = [new NetworkPolicyPort { Port = IntOrString.FromInt(80) }] };
        var policy = K8sPolicy("x", "p", IngressTo("a", rule));

        var converted = Assert.Single(KubernetesPolicyConverter.Convert(policy).Spec.Ingress!);
        Assert.Equal(Protocol.Tcp, converted.Protocol);
        Assert.Equal([Port.Single(80)], converted.Destination!.Ports!);

        var state = Cluster().WithKubernetesPolicy(policy);
        Assert.Equal(Verdict.Allow, Probe(state, "y/b", "x/a", Protocol.Tcp, 80));
        Assert.Equal(Verdict.Deny, Probe(state, "y/b", "x/a", Protocol.Udp, 80));
    }

    [Fact]
    public void Empty_port_entry_means_every_TCP_port_not_everything()
    {
        var rule = new NetworkPolicyIngressRule { Ports = [new NetworkPolicyPort()] };
        var state = Cluster().WithKubernetesPolicy(K8sPolicy("x", "p", IngressTo("a", rule)));

        Assert.Equal(Verdict.Allow, Probe(state, "y/b", "x/a", Protocol.Tcp, 4242));
        Assert.Equal(Verdict.Deny, Probe(state, "y/b", "x/a", Protocol.Sctp, 80));
    }

    [Fact]
    public void EndPort_becomes_an_inclusive_range()
    {
        var rule = new NetworkPolicyIngressRule
        {
            Ports = [new NetworkPolicyPort { Protocol = "TCP", Port = IntOrString.FromInt(80), EndPort = 85 }],
        };
        var policy = K8sPolicy("x", "p", IngressTo("a", rule));

        Assert.Equal([Port.Range(80, 85)], Assert.Single(KubernetesPolicyConverter.Convert(policy).Spec.Ingress!).Destination!.Ports!);
        var state = Cluster().WithKubernetesPolicy(policy);
        Assert.Equal(Verdict.Allow, Probe(state, "y/b", "x/a", Protocol.Tcp, 85));
        Assert.Equal(Verdict.Deny, Probe(state, "y/b", "x/a", Protocol.Tcp, 86));
    }

    [Fact]
    public void Contiguous_ports_of_one_protocol_merge_into_one_rule()
    {
        var rule = new NetworkPolicyIngressRule
        {
            Ports =
            [
                new NetworkPolicyPort { Port = IntOrString.FromInt(81) }, new NetworkPolicyPort { Port = IntOrString.FromInt(80) },
                new NetworkPolicyPort { Protocol = "UDP", Port = IntOrString.FromInt(53) },
            ],
        };
        var rules = KubernetesPolicyConverter.Convert(K8sPolicy("x", "p", IngressTo("a", rule))).Spec.Ingress!;

        Assert.Equal(2, rules.Count);
        Assert.Equal([Port.Range(80, 81)], rules.Single(r => r.Protocol == Protocol.Tcp).Destination!.Ports!);
        Assert.Equal([Port.Single(53)], rules.Single(r => r.Protocol == Protocol.Udp).Destination!.Ports!);
    }

    [Fact]
    public void IpBlock_except_becomes_nets_and_notNets()
    {
        var rule = new NetworkPolicyIngressRule
        {
            From = [new NetworkPolicyPeer { IpBlock = new IPBlock { Cidr = "192.168.2.0/24", Except = ["192.168.2.16/28"] } }],
        };
        var policy = K8sPolicy("x", "p", IngressTo("a", rule));

        var source = Assert.Single(KubernetesPolicyConverter.Convert(policy).Spec.Ingress!).Source!;
        Assert.Equal(["192.168.2.0/24"], source.Nets!);
        Assert.Equal(["192.168.2.16/28"], source.NotNets!);
        Assert.Null(source.Selector);

        var state = Cluster().WithKubernetesPolicy(policy);
        Assert.Equal(Verdict.Allow, Probe(state, "y/a", "x/a", Protocol.Tcp, 80));
        Assert.Equal(Verdict.Deny, Probe(state, "y/b", "x/a", Protocol.Tcp, 80));
        Assert.Equal(Verdict.Deny, Probe(state, "z/a", "x/a", Protocol.Tcp, 80));
    }

    [Fact]
    public void NamespaceSelector_and_podSelector_in_one_peer_are_ANDed()
    {
        var rule = new NetworkPolicyIngressRule
        {
            From = [new NetworkPolicyPeer { PodSelector = Labels(("pod", "b")), NamespaceSelector = Labels(("ns", "y")) }],
        };
        var policy = K8sPolicy("x", "p", IngressTo("a", rule));

        var source = Assert.Single(KubernetesPolicyConverter.Convert(policy).Spec.Ingress!).Source!;
        Assert.Equal("projectcalico.org/orchestrator == 'k8s' && pod == 'b'", source.Selector);
        Assert.Equal("ns == 'y'", source.NamespaceSelector);

        var state = Cluster().WithKubernetesPolicy(policy);
        Assert.Equal(Verdict.Allow, Probe(state, "y/b", "x/a", Protocol.Tcp, 80));
        Assert.Equal(Verdict.Deny, Probe(state, "z/b", "x/a", Protocol.Tcp, 80));
        Assert.Equal(Verdict.Deny, Probe(state, "x/b", "x/a", Protocol.Tcp, 80));
        Assert.Equal(Verdict.Deny, Probe(state, "y/c", "x/a", Protocol.Tcp, 80));
    }

    [Fact]
    public void Separate_peers_are_ORed_and_a_lone_podSelector_stays_in_the_policy_namespace()
    {
        var rule = new NetworkPolicyIngressRule
        {
            From =
            [
                new NetworkPolicyPeer { PodSelector = Labels(("pod", "b")) },
                new NetworkPolicyPeer { NamespaceSelector = new LabelSelector() },
            ],
            Ports = [new NetworkPolicyPort { Port = IntOrString.FromInt(81) }],
        };
        var state = Cluster().WithKubernetesPolicy(K8sPolicy("x", "p", IngressTo("a", rule)));

        var rules = KubernetesPolicyConverter.Convert(state.KubernetesPolicies[0]).Spec.Ingress!;
        Assert.Equal(2, rules.Count);
        Assert.Equal("all()", rules[1].Source!.NamespaceSelector);
        Assert.Equal(Verdict.Allow, Probe(state, "z/c", "x/a", Protocol.Tcp, 81));
        Assert.Equal(Verdict.Deny, Probe(state, "z/c", "x/a", Protocol.Tcp, 80));
    }

    [Fact]
    public void Named_port_resolves_on_the_destination_pod()
    {
        var rule = new NetworkPolicyIngressRule { Ports = [new NetworkPolicyPort { Port = IntOrString.FromString("serve-81-tcp") }] };
        var state = Cluster().WithKubernetesPolicy(K8sPolicy("x", "p", IngressTo("a", rule)));

        Assert.Equal(Verdict.Allow, Probe(state, "y/b", "x/a", Protocol.Tcp, 81));
        Assert.Equal(Verdict.Deny, Probe(state, "y/b", "x/a", Protocol.Tcp, 80));
    }

    [Fact]
    public void Ingress_policy_with_no_rules_isolates_the_pod_for_ingress_only()
    {
        var spec = new KubernetesNetworkPolicySpec { PodSelector = new LabelSelector(), PolicyTypes = ["Ingress"], Ingress = [] };
        var state = Cluster().WithKubernetesPolicy(K8sPolicy("x", "deny", spec));

        Assert.Equal(Verdict.Deny, Probe(state, "y/a", "x/b", Protocol.Tcp, 80));
        Assert.Equal(Verdict.Allow, Probe(state, "x/b", "y/a", Protocol.Tcp, 80));
    }

    [Fact]
    public void Api_server_defaults_policyTypes_from_the_rules_and_Calico_falls_back_to_Ingress()
    {
        var egressRules = new KubernetesNetworkPolicySpec { PodSelector = new LabelSelector(), Egress = [new NetworkPolicyEgressRule()] };

        Assert.Equal(["Ingress", "Egress"], KubernetesPolicyConverter.WithApiServerDefaults(K8sPolicy("x", "p", egressRules)).Spec.PolicyTypes!);
        Assert.Equal(["Ingress"], KubernetesPolicyConverter.Convert(K8sPolicy("x", "p", egressRules)).Spec.Types!);
    }
}
