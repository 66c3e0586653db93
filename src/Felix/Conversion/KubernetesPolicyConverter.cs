using CniNet.Felix.Policy;
using CniNet.Model.Kubernetes;
using CniNet.Model.Policy;
using CniNet.Model.Resources;

namespace CniNet.Felix.Conversion;

/// <summary>
/// Converts a Kubernetes NetworkPolicy to the Calico NetworkPolicy Felix enforces, as libcalico-go's
/// <c>backend/k8s/conversion</c> does: named <c>knp.default.&lt;name&gt;</c>, tier <c>default</c>, order 1000,
/// selector <c>projectcalico.org/orchestrator == 'k8s' &amp;&amp; &lt;podSelector&gt;</c>, and one Allow rule per
/// (protocol, peer) of every ingress or egress rule.
/// </summary>
public static class KubernetesPolicyConverter
{
    public const string NamePrefix = "knp.default.";
    public const double Order = 1000;

    private static readonly string OrchestratorIsKubernetes =
        $"{CalicoLabels.Orchestrator} == '{CalicoLabels.OrchestratorKubernetes}'";

    public static NetworkPolicy Convert(KubernetesNetworkPolicy policy)
    {
        var spec = policy.Spec;
        var types = new List<string>();
        foreach (var type in spec.PolicyTypes ?? [])
        {
            types.Add(type switch
            {
                "Ingress" => "Ingress",
                "Egress" => "Egress",
                _ => throw new ArgumentException($"NetworkPolicy {policy.Metadata.Name}: unknown policy type '{type}'"),
            });
        }
        if (types.Count == 0)
        {
            // Objects stored before policyTypes existed: Calico treats them as Ingress policies.
            types.Add("Ingress");
        }
        return new NetworkPolicy
        {
            ApiVersion = "projectcalico.org/v3",
            Kind = "NetworkPolicy",
            Metadata = new ObjectMeta { Name = NamePrefix + policy.Metadata.Name, Namespace = policy.Metadata.Namespace },
            Spec = new NetworkPolicySpec
            {
                Tier = TierSpec.DefaultName,
                Order = Order,
                Selector = SelectorText(spec.PodSelector, forNamespaces: false),
                Types = types,
                Ingress = [.. (spec.Ingress ?? []).SelectMany(rule => ConvertRule(rule.From, rule.Ports, inbound: true))],
                Egress = [.. (spec.Egress ?? []).SelectMany(rule => ConvertRule(rule.To, rule.Ports, inbound: false))],
            },
        };
    }

    /// <summary>
    /// The API server's defaulting of <c>policyTypes</c> on create or update: Ingress always, plus Egress when the
    /// policy has egress rules. Calico only ever sees defaulted objects.
    /// </summary>
    public static KubernetesNetworkPolicy WithApiServerDefaults(KubernetesNetworkPolicy policy)
    {
        if (policy.Spec.PolicyTypes is { Count: > 0 })
        {
            return policy;
        }
        List<string> types = policy.Spec.Egress is { Count: > 0 } ? ["Ingress", "Egress"] : ["Ingress"];
        return new KubernetesNetworkPolicy
        {
            ApiVersion = policy.ApiVersion,
            Kind = policy.Kind,
            Metadata = policy.Metadata,
            Spec = new KubernetesNetworkPolicySpec
            {
                PodSelector = policy.Spec.PodSelector,
                PolicyTypes = types,
                Ingress = policy.Spec.Ingress,
                Egress = policy.Spec.Egress,
                Extra = policy.Spec.Extra,
            },
        };
    }

    /// <summary>
    /// A Kubernetes label selector in Calico's syntax: <c>k == 'v'</c> per matchLabels entry (sorted by key), then
    /// <c>In</c>, <c>NotIn</c> (which, as in Kubernetes, also matches pods without the key), <c>Exists</c> and
    /// <c>DoesNotExist</c>. A pod selector is limited to Kubernetes pods; an empty namespace selector is <c>all()</c>.
    /// </summary>
    public static string SelectorText(LabelSelector? selector, bool forNamespaces)
    {
        var terms = new List<string>();
        if (!forNamespaces)
        {
            terms.Add(OrchestratorIsKubernetes);
        }
        if (selector is null)
        {
            return string.Join(" && ", terms);
        }
        if (forNamespaces && selector.MatchLabels is not { Count: > 0 } && selector.MatchExpressions is not { Count: > 0 })
        {
            return "all()";
        }
        foreach (var (key, value) in (selector.MatchLabels ?? []).OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            terms.Add($"{key} == {PolicyCompiler.Quote(value)}");
        }
        foreach (var requirement in selector.MatchExpressions ?? [])
        {
            var values = string.Join(", ", (requirement.Values ?? []).Select(PolicyCompiler.Quote));
            terms.Add(requirement.Operator switch
            {
                LabelSelectorRequirement.In => $"{requirement.Key} in {{{values}}}",
                LabelSelectorRequirement.NotIn => $"{requirement.Key} not in {{{values}}}",
                LabelSelectorRequirement.Exists => $"has({requirement.Key})",
                LabelSelectorRequirement.DoesNotExist => $"!has({requirement.Key})",
                var op => throw new ArgumentException($"unknown label selector operator '{op}'"),
            });
        }
        return string.Join(" && ", terms);
    }

    private static IEnumerable<Rule> ConvertRule(List<NetworkPolicyPeer>? peers, List<NetworkPolicyPort>? ports, bool inbound)
    {
        List<NetworkPolicyPeer?> peerList = peers is { Count: > 0 } ? [.. peers] : [null];
        foreach (var (protocol, calicoPorts) in GroupPorts(ports))
        {
            foreach (var peer in peerList)
            {
                var entity = ConvertPeer(peer);
                var rule = new Rule { Action = Rule.ActionAllow, Protocol = protocol };
                if (inbound)
                {
                    rule.Source = entity;
                    rule.Destination = calicoPorts is null ? null : new EntityRule { Ports = calicoPorts };
                }
                else
                {
                    if (calicoPorts is not null)
                    {
                        entity ??= new EntityRule();
                        entity.Ports = calicoPorts;
                    }
                    rule.Destination = entity;
                }
                yield return rule;
            }
        }
    }

    /// <summary>
    /// Groups ports by protocol (a port entry without a protocol is TCP), keeping "every port" (null) for a protocol
    /// once any entry of it has no port, and merging numbers into ranges. No ports at all, or only absent entries,
    /// is one group with no protocol and no ports: any traffic.
    /// </summary>
    private static List<(Protocol? Protocol, List<Port>? Ports)> GroupPorts(List<NetworkPolicyPort>? ports)
    {
        if (ports is not { Count: > 0 })
        {
            return [(null, null)];
        }
        var byProtocol = new SortedDictionary<string, (Protocol Protocol, List<Port>? Ports)>(StringComparer.Ordinal);
        foreach (var port in ports)
        {
            var protocol = port.Protocol is null ? Protocol.Tcp : Protocol.Parse(port.Protocol);
            var key = protocol.ToString();
            Port? calicoPort = port.Port switch
            {
                null => null,
                { IsString: true } named => Port.Named(named.Text),
                { } number when port.EndPort is { } end => Port.Range(checked((ushort)number.Number), checked((ushort)end)),
                { } number => Port.Single(checked((ushort)number.Number)),
            };
            if (calicoPort is not { } p)
            {
                byProtocol[key] = (protocol, null);
            }
            else if (!byProtocol.TryGetValue(key, out var existing))
            {
                byProtocol[key] = (protocol, [p]);
            }
            else
            {
                existing.Ports?.Add(p);
            }
        }
        return [.. byProtocol.Values.Select(group => ((Protocol?)group.Protocol, group.Ports is null ? null : SimplifyPorts(group.Ports)))];
    }

    /// <summary>Numeric ports sorted and merged where they touch or overlap, then named ports (Calico's SimplifyPorts).</summary>
    private static List<Port> SimplifyPorts(List<Port> ports)
    {
        var merged = new List<Port>();
        foreach (var port in ports.Where(p => !p.IsNamed).OrderBy(p => p.MinPort).ThenBy(p => p.MaxPort))
        {
            if (merged.Count > 0 && merged[^1] is var last && port.MinPort <= last.MaxPort + 1)
            {
                merged[^1] = Port.Range(last.MinPort, Math.Max(last.MaxPort, port.MaxPort));
            }
            else
            {
                merged.Add(port);
            }
        }
        merged.AddRange(ports.Where(p => p.IsNamed).DistinctBy(p => p.Name));
        return merged;
    }

    private static EntityRule? ConvertPeer(NetworkPolicyPeer? peer)
    {
        if (peer is null)
        {
            return null;
        }
        if (peer.IpBlock is { } block)
        {
            return new EntityRule { Nets = [block.Cidr], NotNets = block.Except is { Count: > 0 } except ? [.. except] : null };
        }
        var entity = new EntityRule();
        if (peer.PodSelector is not null)
        {
            entity.Selector = SelectorText(peer.PodSelector, forNamespaces: false);
        }
        if (peer.NamespaceSelector is not null)
        {
            entity.NamespaceSelector = SelectorText(peer.NamespaceSelector, forNamespaces: true);
            entity.Selector ??= OrchestratorIsKubernetes;
        }
        return entity;
    }
}
