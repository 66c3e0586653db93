using System.Collections.Immutable;
using CniNet.Felix.Calc;
using CniNet.Felix.Policy;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// The whole desired ruleset for one cluster state and the node's workload interfaces, laid out as Felix lays out its
/// nftables mode:
/// <list type="bullet">
/// <item>base chains <c>filter-FORWARD</c>, <c>filter-INPUT</c>, <c>filter-OUTPUT</c> at priority <c>filter</c>
/// (0): after kube-proxy's nftables filter chains (-110) and its DNAT (dstnat, -100), so policy sees the
/// Service-translated destination, as Calico requires;</item>
/// <item>dispatch through verdict maps keyed by interface (<c>from-wl</c> on <c>iifname</c>, <c>to-wl</c> on
/// <c>oifname</c>) that <c>goto</c> per-endpoint chains <c>fw-&lt;if&gt;</c> (egress from the workload) and
/// <c>tw-&lt;if&gt;</c> (ingress to it); an unknown workload interface is dropped;</item>
/// <item>each endpoint chain: conntrack fast path (established/related accept, invalid drop), then per tier a jump to
/// each policy chain while the pass bit is clear, returning as soon as the accept bit is set, and the end-of-tier drop
/// unless the tier's default action is Pass; then the profile <c>kns.&lt;ns&gt;</c>; then drop;</item>
/// <item>policy chains <c>pi-&lt;hash&gt;</c>/<c>po-&lt;hash&gt;</c> shared by every endpoint the policy selects;</item>
/// <item>a named set per selector and per named port; counters on every rule.</item>
/// </list>
/// An endpoint chain returns with the accept bit set; the base chain then goes on to the destination's ingress, so a
/// packet between two local pods gets both verdicts before the final accept.
/// <para>
/// Incremental, as Felix's calculation graph: between rounds it keeps compiled policies, each endpoint's selected
/// policies and chains, each policy's chains and the sets' members. A round re-matches only new policies against
/// unchanged endpoints, all policies against changed endpoints, and changed members against the sets, so a one-policy
/// change costs O(endpoints), not O(endpoints x policies). Output objects that did not change are the same objects,
/// which lets the transaction skip them by reference. A round that throws leaves nothing trusted: the next one starts
/// from scratch.
/// </para>
/// </summary>
internal sealed class RulesetRenderer(NftDataplaneOptions options)
{
    public const string FromWorkloadMap = "from-wl";
    public const string ToWorkloadMap = "to-wl";

    private const string FromDispatch = "from-wl-dispatch";
    private const string ToDispatch = "to-wl-dispatch";

    private PolicyCache _policyCache = new();
    private IpSetRegistry _sets = new();
    private Dictionary<string, EndpointChains> _endpoints = new(StringComparer.Ordinal);
    private Dictionary<CompiledPolicy, PolicyChains> _policyChains = new(ReferenceEqualityComparer.Instance);
    private HashSet<CompiledPolicy> _policies = new(ReferenceEqualityComparer.Instance);
    private HashSet<string> _profiles = new(StringComparer.Ordinal);
    private ImmutableSortedDictionary<string, NftChain>.Builder _chains = NewChains();
    private ImmutableSortedDictionary<string, string>.Builder _fromMap = NewMap();
    private ImmutableSortedDictionary<string, string>.Builder _toMap = NewMap();
    private string _tierSignature = "";
    private bool _trusted;

    public NftRuleset Render(ClusterState state, IReadOnlyCollection<WorkloadInterface> endpoints)
    {
        foreach (var endpoint in endpoints) NftNames.RequireInterfaceName(endpoint.InterfaceName);
        if (!_trusted) Reset();
        _trusted = false;

        var tiers = PolicyCompiler.CompileTiers(state, _policyCache);
        var rank = new Dictionary<CompiledPolicy, int>(ReferenceEqualityComparer.Instance);
        var tierOf = new Dictionary<CompiledPolicy, CompiledTier>(ReferenceEqualityComparer.Instance);
        foreach (var tier in tiers)
        {
            foreach (var policy in tier.Policies)
            {
                rank[policy] = rank.Count;
                tierOf[policy] = tier;
            }
        }
        var signature = string.Join('\n', tiers.Select(t => $"{t.Name} {t.Order} {t.DefaultPass}"));
        if (signature != _tierSignature)
        {
            // Tier order or default actions changed: every endpoint chain is laid out again.
            foreach (var endpoint in _endpoints.Values) endpoint.Ingress = endpoint.Egress = null;
            _tierSignature = signature;
        }
        var current = new HashSet<CompiledPolicy>(rank.Keys, ReferenceEqualityComparer.Instance);
        var added = current.Where(p => !_policies.Contains(p)).ToList();
        var removed = _policies.Where(p => !current.Contains(p)).ToList();
        _policies = current;
        _sets.BeginRound(state);

        var pods = new Dictionary<string, PodEndpoint>(StringComparer.Ordinal);
        foreach (var pod in state.Pods) pods[pod.Key] = pod;
        var previous = _endpoints;
        _endpoints = new Dictionary<string, EndpointChains>(StringComparer.Ordinal);
        var active = new HashSet<CompiledPolicy>(ReferenceEqualityComparer.Instance);
        var namespaces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
        {
            // A veth whose pod the state does not (yet) know stays an unknown interface: dropped, as in Felix.
            if (!pods.TryGetValue(endpoint.PodKey, out var pod)) continue;
            var iface = endpoint.InterfaceName;
            var nsLabels = state.Namespaces.TryGetValue(pod.Namespace, out var ns) ? ns : ImmutableDictionary<string, string>.Empty;
            var chains = Select(previous.GetValueOrDefault(iface), pod, nsLabels, current, added, removed);
            if (chains.Ingress is null || chains.Egress is null)
            {
                var ordered = chains.Selected.OrderBy(p => rank[p]).ToList();
                chains.Ingress = EndpointChain(ordered, tierOf, PolicyDirection.Ingress, $"pri-kns.{pod.Namespace}");
                chains.Egress = EndpointChain(ordered, tierOf, PolicyDirection.Egress, $"pro-kns.{pod.Namespace}");
                _chains[$"tw-{iface}"] = chains.Ingress;
                _chains[$"fw-{iface}"] = chains.Egress;
                _toMap[Quoted(iface)] = $"goto tw-{iface}";
                _fromMap[Quoted(iface)] = $"goto fw-{iface}";
            }
            _endpoints[iface] = chains;
            active.UnionWith(chains.Selected);
            namespaces.Add(pod.Namespace);
        }
        foreach (var gone in previous.Keys.Where(iface => !_endpoints.ContainsKey(iface)))
        {
            _chains.Remove($"tw-{gone}");
            _chains.Remove($"fw-{gone}");
            _toMap.Remove(Quoted(gone));
            _fromMap.Remove(Quoted(gone));
        }

        RenderPolicies(active);
        RenderProfiles(namespaces);
        RenderBaseChains();
        var ruleset = new NftRuleset(_sets.EndRound(),
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, NftVerdictMap>
            {
                [FromWorkloadMap] = new("ifname", _fromMap.ToImmutable()),
                [ToWorkloadMap] = new("ifname", _toMap.ToImmutable()),
            }),
            _chains.ToImmutable());
        _trusted = true;
        return ruleset;
    }

    /// <summary>
    /// The endpoint's selected policies brought up to date: from the previous round's by removing and matching only
    /// the policies that changed while its labels are the same objects, or matched against every policy otherwise.
    /// Its chains are cleared when the selection changed.
    /// </summary>
    private static EndpointChains Select(
        EndpointChains? known, PodEndpoint pod, ImmutableDictionary<string, string> nsLabels,
        HashSet<CompiledPolicy> current, List<CompiledPolicy> added, List<CompiledPolicy> removed)
    {
        if (known is not null && ReferenceEquals(known.Pod, pod) && ReferenceEquals(known.NamespaceLabels, nsLabels))
        {
            var changed = false;
            foreach (var policy in removed) changed |= known.Selected.Remove(policy);
            foreach (var policy in added.Where(p => p.Selects(known.Labels))) changed |= known.Selected.Add(policy);
            if (changed) known.Ingress = known.Egress = null;
            return known;
        }
        var chains = new EndpointChains(pod, nsLabels, CalicoLabels.ForPod(pod, nsLabels));
        chains.Selected.UnionWith(current.Where(p => p.Selects(chains.Labels)));
        return chains;
    }

    private static NftChain EndpointChain(
        List<CompiledPolicy> ordered, Dictionary<CompiledPolicy, CompiledTier> tierOf, PolicyDirection direction, string profileChain)
    {
        var accept = RuleRenderer.Hex(RuleRenderer.AcceptMark);
        var pass = RuleRenderer.Hex(RuleRenderer.PassMark);
        var body = ImmutableArray.CreateBuilder<string>();
        body.Add("ct state established,related accept");
        body.Add("ct state invalid counter drop");
        body.Add($"meta mark set meta mark & {RuleRenderer.Hex(~(RuleRenderer.AcceptMark | RuleRenderer.PassMark))}");
        // A tier with no policy for this endpoint and direction does not exist for it: no end-of-tier drop.
        foreach (var tier in ordered.Where(p => p.Governs(direction)).GroupBy(p => tierOf[p]))
        {
            body.Add($"meta mark set meta mark & {RuleRenderer.Hex(~RuleRenderer.PassMark)}");
            foreach (var policy in tier)
            {
                body.Add($"meta mark & {pass} == 0 counter jump {PolicyChainName(policy, direction)}");
                body.Add($"meta mark & {accept} != 0 return");
            }
            if (!tier.Key.DefaultPass)
            {
                body.Add($"meta mark & {pass} == 0 counter drop comment \"end of tier {tier.Key.Name}\"");
            }
        }
        body.Add($"counter jump {profileChain}");
        body.Add($"meta mark & {accept} != 0 return");
        body.Add("counter drop comment \"no profile matched\"");
        return new NftChain(null, body.ToImmutable());
    }

    /// <summary>
    /// Chains of the policies some local endpoint uses, rendered once per compiled policy; a policy that stops being
    /// used loses its chains (unless a replacement under the same name took them) and releases its sets.
    /// </summary>
    private void RenderPolicies(HashSet<CompiledPolicy> active)
    {
        foreach (var policy in active.Where(p => !_policyChains.ContainsKey(p)))
        {
            var requests = ImmutableArray.CreateBuilder<SetRequest>();
            var rules = new RuleRenderer(request =>
            {
                requests.Add(request);
                return _sets.Acquire(request);
            }, options.Ipv6Support);
            NftChain? Chain(PolicyDirection d) =>
                policy.Governs(d) ? new NftChain(null, [.. policy.Rules(d).SelectMany(rules.Render)]) : null;
            var chains = new PolicyChains(PolicyChainName(policy, PolicyDirection.Ingress), Chain(PolicyDirection.Ingress),
                PolicyChainName(policy, PolicyDirection.Egress), Chain(PolicyDirection.Egress), requests.ToImmutable());
            _policyChains[policy] = chains;
            SetChain(chains.IngressName, chains.Ingress);
            SetChain(chains.EgressName, chains.Egress);
        }
        var gone = _policyChains.Keys.Where(p => !active.Contains(p)).ToList();
        if (gone.Count == 0) return;
        var activeNames = active.Select(p => _policyChains[p].IngressName).ToHashSet(StringComparer.Ordinal);
        foreach (var policy in gone)
        {
            var chains = _policyChains[policy];
            _policyChains.Remove(policy);
            foreach (var request in chains.Sets) _sets.Release(request);
            if (activeNames.Contains(chains.IngressName)) continue;
            _chains.Remove(chains.IngressName);
            _chains.Remove(chains.EgressName);
        }
    }

    private void SetChain(string name, NftChain? chain)
    {
        if (chain is null)
        {
            _chains.Remove(name);
        }
        else
        {
            _chains[name] = chain;
        }
    }

    /// <summary>The profiles <c>kns.&lt;ns&gt;</c> of namespaces with local endpoints: Kubernetes namespaces allow all.</summary>
    private void RenderProfiles(HashSet<string> namespaces)
    {
        var allow = new NftChain(null, [$"counter meta mark set meta mark | {RuleRenderer.Hex(RuleRenderer.AcceptMark)} return"]);
        foreach (var ns in namespaces.Where(ns => !_profiles.Contains(ns)))
        {
            _chains[$"pri-kns.{ns}"] = allow;
            _chains[$"pro-kns.{ns}"] = allow;
        }
        foreach (var ns in _profiles.Where(ns => !namespaces.Contains(ns)))
        {
            _chains.Remove($"pri-kns.{ns}");
            _chains.Remove($"pro-kns.{ns}");
        }
        _profiles = namespaces;
    }

    private void RenderBaseChains()
    {
        if (_chains.ContainsKey("filter-FORWARD")) return;
        var prefix = Quoted(options.InterfacePrefix + "*");
        _chains[FromDispatch] = new NftChain(null,
            [$"iifname vmap @{FromWorkloadMap}", "counter drop comment \"unknown workload interface\""]);
        _chains[ToDispatch] = new NftChain(null,
            [$"oifname vmap @{ToWorkloadMap}", "counter drop comment \"unknown workload interface\""]);
        _chains["filter-FORWARD"] = new NftChain("type filter hook forward priority filter; policy accept;",
        [
            $"iifname {prefix} counter jump {FromDispatch}",
            $"oifname {prefix} counter jump {ToDispatch}",
            $"iifname {prefix} counter accept",
            $"oifname {prefix} counter accept",
        ]);
        _chains["filter-INPUT"] = new NftChain("type filter hook input priority filter; policy accept;",
        [
            $"iifname {prefix} counter jump {FromDispatch}",
            $"iifname {prefix} counter {(options.AcceptEndpointToHost ? "accept" : "drop")}",
        ]);
        _chains["filter-OUTPUT"] = new NftChain("type filter hook output priority filter; policy accept;",
            [$"oifname {prefix} counter jump {ToDispatch}"]);
    }

    private void Reset()
    {
        _policyCache = new PolicyCache();
        _sets = new IpSetRegistry();
        _endpoints = new Dictionary<string, EndpointChains>(StringComparer.Ordinal);
        _policyChains = new Dictionary<CompiledPolicy, PolicyChains>(ReferenceEqualityComparer.Instance);
        _policies = new HashSet<CompiledPolicy>(ReferenceEqualityComparer.Instance);
        _profiles = new HashSet<string>(StringComparer.Ordinal);
        _chains = NewChains();
        _fromMap = NewMap();
        _toMap = NewMap();
        _tierSignature = "";
    }

    private static string PolicyChainName(CompiledPolicy policy, PolicyDirection direction) =>
        $"{(direction == PolicyDirection.Ingress ? "pi" : "po")}-{NftNames.Hash(policy.Key)}";

    private static ImmutableSortedDictionary<string, NftChain>.Builder NewChains() =>
        ImmutableSortedDictionary.CreateBuilder<string, NftChain>(StringComparer.Ordinal);

    private static ImmutableSortedDictionary<string, string>.Builder NewMap() =>
        ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);

    private static string Quoted(string text) => $"\"{text}\"";
}
