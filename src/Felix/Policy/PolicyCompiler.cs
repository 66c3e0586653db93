using System.Collections.Immutable;
using System.Net;
using System.Runtime.CompilerServices;
using CniNet.Felix.Calc;
using CniNet.Felix.Conversion;
using CniNet.Model.Net;
using CniNet.Model.Policy;
using CniNet.Model.Selectors;

namespace CniNet.Felix.Policy;

/// <summary>
/// Turns a <see cref="ClusterState"/> into what the verdict walks: tiers in order with their policies in order, every
/// selector parsed and scoped the way libcalico-go's update processors rewrite v3 resources for Felix
/// (updateprocessors/rules.go), and the IP-set members selectors resolve to.
/// </summary>
internal static class PolicyCompiler
{
    public const string KindKubernetesNetworkPolicy = "KubernetesNetworkPolicy";
    public const string KindNetworkPolicy = "NetworkPolicy";
    public const string KindGlobalNetworkPolicy = "GlobalNetworkPolicy";

    private const int ParsedLimit = 65_536;

    private static readonly Dictionary<string, Selector> Parsed = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, Selector> ParsedNamespaceSelectors = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, Selector> ParsedServiceAccountSelectors = new(StringComparer.Ordinal);
    private static readonly Dictionary<EntityMatcher, EntityMatcher> SharedEntities = [];
    private static readonly Dictionary<CompiledRule, CompiledRule> SharedRules = [];

    // api/pkg/apis/projectcalico/v3/tier.go: the built-in tiers, their orders and default actions.
    private static readonly ImmutableDictionary<string, (double Order, bool DefaultPass)> BuiltInTiers =
        ImmutableDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, (double, bool)>
        {
            ["kube-admin"] = (1_000, true),
            [TierSpec.DefaultName] = (TierSpec.DefaultTierOrder, false),
            ["kube-baseline"] = (10_000_000, true),
        });

    public static IpSetIndex CompileIpSets(ClusterState state) => new([.. MemberSources(state).Select(source => source.Build())]);

    /// <summary>
    /// Every IP-set member of the state (pods, network sets, global network sets, host endpoints' expected IPs) with a stable id and the objects it
    /// is derived from, so that an incremental consumer rebuilds only members whose objects changed.
    /// </summary>
    public static IEnumerable<IpSetMemberSource> MemberSources(ClusterState state)
    {
        foreach (var pod in state.Pods)
        {
            var inherited = state.InheritedBy(pod);
            yield return new IpSetMemberSource(string.Concat("pod/", pod.Namespace, "/", pod.Name), pod, inherited,
                () => new IpSetMember(CalicoLabels.ForPod(pod, inherited), [Cidr.Host(pod.Ip)], pod.Ports));
        }
        foreach (var set in state.NetworkSets)
        {
            var ns = set.Metadata.Namespace ?? throw new ArgumentException($"NetworkSet {set.Metadata.Name} has no namespace");
            var nsLabels = NamespaceLabels(state, ns);
            yield return new IpSetMemberSource($"networkset/{ns}/{set.Metadata.Name}", set, nsLabels,
                () => new IpSetMember(CalicoLabels.ForNetworkSet(ns, set.Metadata.Labels, nsLabels), ParseNets(set.Spec.Nets), []));
        }
        foreach (var set in state.GlobalNetworkSets)
        {
            yield return new IpSetMemberSource($"globalnetworkset/{set.Metadata.Name}", set, null,
                () => new IpSetMember(new Dictionary<string, string>(set.Metadata.Labels ?? [], StringComparer.Ordinal), ParseNets(set.Spec.Nets), []));
        }
        foreach (var endpoint in state.HostEndpoints)
        {
            var profiles = state.Profiles;
            yield return new IpSetMemberSource($"hostendpoint/{endpoint.Metadata.Name}", endpoint, profiles,
                () => new IpSetMember(CalicoLabels.ForHostEndpoint(endpoint, profiles),
                    [.. (endpoint.Spec.ExpectedIPs ?? []).Select(ip => Cidr.Host(IPAddress.Parse(ip)))],
                    [.. (endpoint.Spec.Ports ?? []).Select(port => new NamedPort(port.Name, port.Port, port.Protocol))]));
        }
    }

    /// <summary>The tiers in order with their policies in order; <paramref name="cache"/> keeps unchanged policies compiled.</summary>
    public static ImmutableArray<CompiledTier> CompileTiers(ClusterState state, PolicyCache? cache = null)
    {
        cache?.Begin();
        var policies = new List<(string Tier, CompiledPolicy Policy)>();
        foreach (var k8s in state.KubernetesPolicies)
        {
            policies.Add(Compile(cache, k8s, () =>
            {
                var converted = KubernetesPolicyConverter.Convert(k8s);
                return (TierOf(converted.Spec.Tier), CompileNetworkPolicy(KindKubernetesNetworkPolicy, converted));
            }));
        }
        foreach (var policy in state.NetworkPolicies)
        {
            policies.Add(Compile(cache, policy, () => (TierOf(policy.Spec.Tier), CompileNetworkPolicy(KindNetworkPolicy, policy))));
        }
        foreach (var policy in state.GlobalNetworkPolicies)
        {
            var spec = policy.Spec;
            policies.Add(Compile(cache, policy, () => (TierOf(spec.Tier), CompilePolicy(
                KindGlobalNetworkPolicy, policy.Metadata.Name, ns: null, spec.Order, spec.Selector, spec.NamespaceSelector,
                spec.ServiceAccountSelector, spec.Types, spec.Ingress, spec.Egress, HostFlavor(policy)))));
        }

        var tiers = ImmutableArray.CreateBuilder<CompiledTier>();
        foreach (var group in policies.GroupBy(p => p.Tier, StringComparer.Ordinal))
        {
            var ordered = group.Select(p => p.Policy).ToList();
            ordered.Sort(CompiledPolicy.Compare);
            var (order, defaultPass) = ResolveTier(state, group.Key);
            tiers.Add(new CompiledTier(group.Key, order, defaultPass, [.. ordered]));
        }
        tiers.Sort(CompiledTier.Compare);
        cache?.Complete();
        return tiers.ToImmutable();
    }

    /// <summary>A profile as a policy of both directions that selects nothing by itself: endpoints jump to it by name.</summary>
    public static CompiledPolicy CompileProfile(Profile profile) =>
        CompilePolicy("Profile", profile.Metadata.Name, ns: null, order: null, selector: null, namespaceSelector: null,
            serviceAccountSelector: null, ["Ingress", "Egress"], profile.Spec.Ingress, profile.Spec.Egress);

    private static (string Tier, CompiledPolicy Policy) Compile(
        PolicyCache? cache, object resource, Func<(string Tier, CompiledPolicy Policy)> compile) =>
        cache is null ? compile() : cache.GetOrAdd(resource, compile);

    private static CompiledPolicy CompileNetworkPolicy(string kind, NetworkPolicy policy)
    {
        var ns = policy.Metadata.Namespace ?? throw new ArgumentException($"NetworkPolicy {policy.Metadata.Name} has no namespace");
        var spec = policy.Spec;
        return CompilePolicy(kind, policy.Metadata.Name, ns, spec.Order, spec.Selector, namespaceSelector: null,
            spec.ServiceAccountSelector, spec.Types, spec.Ingress, spec.Egress);
    }

    private static CompiledPolicy CompilePolicy(
        string kind, string name, string? ns, double? order, string? selector, string? namespaceSelector,
        string? serviceAccountSelector, List<string>? types, List<Rule>? ingress, List<Rule>? egress,
        HostPolicyFlavor flavor = HostPolicyFlavor.Normal)
    {
        var buffer = new SelectorParts();
        Span<Selector> parts = buffer;
        var count = 0;
        parts[count++] = ParseSelector(selector ?? "");
        if (ns is not null)
        {
            parts[count++] = InNamespace(ns);
        }
        if (!string.IsNullOrWhiteSpace(namespaceSelector))
        {
            parts[count++] = NamespaceSelector(namespaceSelector);
        }
        if (!string.IsNullOrWhiteSpace(serviceAccountSelector))
        {
            parts[count++] = ServiceAccountSelector(serviceAccountSelector);
        }

        bool governsIngress, governsEgress;
        if (types is { Count: > 0 })
        {
            governsIngress = types.Contains("Ingress", StringComparer.OrdinalIgnoreCase);
            governsEgress = types.Contains("Egress", StringComparer.OrdinalIgnoreCase);
        }
        else
        {
            // The v3 client's defaulting: Ingress unless there are only egress rules; Egress when there are egress rules.
            var hasIngress = ingress is { Count: > 0 };
            governsEgress = egress is { Count: > 0 };
            governsIngress = hasIngress || !governsEgress;
        }

        if (flavor == HostPolicyFlavor.PreDnat && governsEgress)
        {
            throw new ArgumentException($"policy {name}: a preDNAT policy governs ingress only");
        }
        return new CompiledPolicy(kind, name, ns, order, SelectorConjunction.Of(parts[..count]),
            governsIngress, governsEgress, CompileRules(ingress, ns, name), CompileRules(egress, ns, name), flavor);
    }

    private static ImmutableArray<CompiledRule> CompileRules(List<Rule>? rules, string? ns, string policyName) =>
        rules is null ? [] : [.. rules.Select(rule => CompileRule(rule, ns, policyName))];

    private static CompiledRule CompileRule(Rule rule, string? ns, string policyName)
    {
        if (rule.Action is not (Rule.ActionAllow or Rule.ActionDeny or Rule.ActionPass or Rule.ActionLog))
        {
            throw new ArgumentException($"policy {policyName}: unknown rule action '{rule.Action}'");
        }
        if (rule.Http is not null)
        {
            throw new NotSupportedException($"policy {policyName}: HTTP rules need an L7 proxy, which this evaluator does not model");
        }
        return Shared(SharedRules, new CompiledRule(rule.Action, rule.IpVersion, rule.Protocol, rule.NotProtocol, rule.Icmp, rule.NotICMP,
            CompileEntity(rule.Source, ns, policyName), CompileEntity(rule.Destination, ns, policyName)));
    }

    private static EntityMatcher CompileEntity(EntityRule? entity, string? ns, string policyName)
    {
        if (entity is null)
        {
            return EntityMatcher.Any;
        }
        if (entity.Services is not null)
        {
            throw new NotSupportedException($"policy {policyName}: service matches need Service endpoints, which the cluster state does not hold");
        }
        var buffer = new SelectorParts();
        Span<Selector> parts = buffer;
        var count = 0;
        var hasSelector = !string.IsNullOrWhiteSpace(entity.Selector);
        var hasNotSelector = !string.IsNullOrWhiteSpace(entity.NotSelector);
        if (hasSelector)
        {
            parts[count++] = ParseSelector(entity.Selector!);
        }
        if (!string.IsNullOrWhiteSpace(entity.NamespaceSelector))
        {
            parts[count++] = NamespaceSelector(entity.NamespaceSelector);
        }
        else if (ns is not null && (hasSelector || hasNotSelector || entity.ServiceAccounts is not null))
        {
            // A namespaced policy's selectors only reach its own namespace unless a namespaceSelector widens them.
            parts[count++] = InNamespace(ns);
        }
        if (entity.ServiceAccounts is { } accounts)
        {
            if (!string.IsNullOrWhiteSpace(accounts.Selector))
            {
                parts[count++] = ServiceAccountSelector(accounts.Selector);
            }
            if (accounts.Names is { Count: > 0 } names)
            {
                parts[count++] = ParseSelector($"{CalicoLabels.ServiceAccount} in {{{string.Join(", ", names.Select(Quote))}}}");
            }
        }
        var notSelector = hasNotSelector ? SelectorConjunction.Of([ParseSelector(entity.NotSelector!)]) : null;
        if (count == 0 && notSelector is null && entity.Nets is null or [] && entity.NotNets is null or [] && entity.Ports is null or []
            && entity.NotPorts is null or [])
        {
            return EntityMatcher.Any;
        }
        return Shared(SharedEntities, new EntityMatcher(SelectorConjunction.Of(parts[..count]), notSelector,
            ParseNets(entity.Nets), ParseNets(entity.NotNets), Ports(entity.Ports), Ports(entity.NotPorts)));
    }

    /// <summary>
    /// The kept object equal to <paramref name="compiled"/>, or <paramref name="compiled"/> now kept: policies repeat
    /// their rules (a port from a shared selector), a full program compiles some 100,000 of them and keeps them all, and
    /// equal parts match alike. Past its bound the memo starts again.
    /// </summary>
    private static T Shared<T>(Dictionary<T, T> memo, T compiled)
        where T : notnull
    {
        lock (memo)
        {
            if (memo.TryGetValue(compiled, out var known)) return known;
            if (memo.Count >= ParsedLimit) memo.Clear();
            return memo[compiled] = compiled;
        }
    }

    /// <summary>
    /// Where a GlobalNetworkPolicy runs on host endpoints, with the v3 validation Calico applies on write: preDNAT and
    /// doNotTrack need applyOnForward and exclude each other.
    /// </summary>
    private static HostPolicyFlavor HostFlavor(GlobalNetworkPolicy policy)
    {
        var spec = policy.Spec;
        if ((spec.PreDNAT || spec.DoNotTrack) && !spec.ApplyOnForward)
        {
            throw new ArgumentException($"policy {policy.Metadata.Name}: preDNAT and doNotTrack need applyOnForward");
        }
        return spec switch
        {
            { PreDNAT: true, DoNotTrack: true } => throw new ArgumentException(
                $"policy {policy.Metadata.Name}: preDNAT and doNotTrack cannot be combined"),
            { PreDNAT: true } => HostPolicyFlavor.PreDnat,
            { DoNotTrack: true } => HostPolicyFlavor.Untracked,
            { ApplyOnForward: true } => HostPolicyFlavor.NormalAndForward,
            _ => HostPolicyFlavor.Normal,
        };
    }

    private static (double? Order, bool DefaultPass) ResolveTier(ClusterState state, string name)
    {
        var builtIn = BuiltInTiers.TryGetValue(name, out var b) ? b : ((double Order, bool DefaultPass)?)null;
        var tier = state.Tiers.Find(t => t.Metadata.Name == name);
        if (tier is null)
        {
            return builtIn is { } known
                ? (known.Order, known.DefaultPass)
                : throw new ArgumentException($"a policy refers to tier '{name}', which does not exist");
        }
        var defaultPass = tier.Spec.DefaultAction switch
        {
            null or "" => builtIn?.DefaultPass ?? false,
            Rule.ActionDeny => false,
            Rule.ActionPass => true,
            var other => throw new ArgumentException($"tier {name}: defaultAction must be Deny or Pass, not '{other}'"),
        };
        return (tier.Spec.Order ?? builtIn?.Order, defaultPass);
    }

    /// <summary>
    /// Each distinct selector text parsed once: policies repeat their selectors (a rule's <c>app == 'web'</c>, a
    /// namespace's scope), and a full program compiles some 100,000 of them. Parsed selectors are immutable, so one
    /// serves every rule that writes it; past its bound the memo starts again rather than grow with every selector ever
    /// seen. What does not parse throws, and is not kept.
    /// </summary>
    private static Selector ParseSelector(string text) => Memo(Parsed, text, Selector.Parse);

    /// <summary>A namespaceSelector as Felix's model has it (<see cref="Selector.ToNamespaceSelector"/>), memoized as <see cref="ParseSelector"/>.</summary>
    private static Selector NamespaceSelector(string text) =>
        Memo(ParsedNamespaceSelectors, text, t => ParseSelector(t).ToNamespaceSelector(CalicoLabels.NamespacePrefix, CalicoLabels.Namespace));

    /// <summary>A serviceAccounts selector with its labels under <c>pcsa.</c>, memoized as <see cref="ParseSelector"/>.</summary>
    private static Selector ServiceAccountSelector(string text) =>
        Memo(ParsedServiceAccountSelectors, text, t => ParseSelector(t).AttachPrefix(CalicoLabels.ServiceAccountPrefix));

    private static Selector Memo(Dictionary<string, Selector> memo, string text, Func<string, Selector> parse)
    {
        lock (memo)
        {
            if (memo.TryGetValue(text, out var known)) return known;
        }
        var selector = parse(text);
        lock (memo)
        {
            if (memo.Count >= ParsedLimit) memo.Clear();
            memo[text] = selector;
        }
        return selector;
    }

    private static string TierOf(string? tier) => string.IsNullOrEmpty(tier) ? TierSpec.DefaultName : tier;

    private static Selector InNamespace(string ns) => ParseSelector($"{CalicoLabels.Namespace} == {Quote(ns)}");

    // Selector literals have no escapes: a value holding a single quote goes in double quotes.
    internal static string Quote(string value) => value.Contains('\'') ? $"\"{value}\"" : $"'{value}'";

    private static IReadOnlyDictionary<string, string> NamespaceLabels(ClusterState state, string ns) =>
        state.Namespaces.TryGetValue(ns, out var labels) ? labels : ImmutableDictionary<string, string>.Empty;

    private static ImmutableArray<Cidr> ParseNets(List<string>? nets) =>
        nets is null ? [] : [.. nets.Select(Cidr.Parse)];

    private static ImmutableArray<Port> Ports(List<Port>? ports) => ports is null ? [] : [.. ports];

    /// <summary>Room for a conjunction's parts (a selector, its namespace scope, and two service-account matches) without a heap array.</summary>
    [InlineArray(4)]
    private struct SelectorParts
    {
        private Selector _first;
    }
}
