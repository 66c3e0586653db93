using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using CniNet.Felix.Calc;
using CniNet.Felix.Policy;
using CniNet.Model.Policy;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// The whole desired ruleset for one cluster state, the node's workload interfaces and its host endpoints, laid out
/// as Felix lays out its nftables mode:
/// <list type="bullet">
/// <item>base chains at priority <c>filter</c> (0): after kube-proxy's nftables filter chains (-110) and its DNAT
/// (dstnat, -100), so policy sees the Service-translated destination, as Calico requires, and before SNAT (100);</item>
/// <item>dispatch through verdict maps keyed by interface (<c>from-wl</c> on <c>iifname</c> in
/// <c>filter-PREROUTING</c>, <c>to-wl</c> on <c>oifname</c> in <c>filter-POSTROUTING</c>) that <c>goto</c>
/// per-endpoint chains <c>fw-&lt;if&gt;</c> (egress from the workload, forwarded or to the host) and
/// <c>tw-&lt;if&gt;</c> (ingress to it, forwarded or from the host); an unknown workload interface is dropped. Felix
/// dispatches from FORWARD, INPUT and OUTPUT instead; the verdicts are the same, but the kernel checks the jump graph
/// below every base chain on each commit that adds a rule (<c>nft_table_validate</c>), so an endpoint chain reachable
/// from two base chains costs every policy change twice;</item>
/// <item>the conntrack fast path (established/related accept, invalid drop) once in each dispatch chain, before the
/// map: Felix has it at the top of every endpoint chain, with the same verdicts for every known interface, but those two
/// rules per chain were a tenth of a large table's rules, each loaded and validated on every commit;</item>
/// <item>the accept and pass bits cleared once in the dispatch, not in every workload's chain;</item>
/// <item>each endpoint chain: per tier a jump to
/// each policy chain (while the pass bit is clear, where a policy before may have set it), returning as soon as the
/// accept bit is set, and the end-of-tier drop unless the tier's default action is Pass; then a goto to the profile
/// <c>kns.&lt;ns&gt;</c>, which allows (and would otherwise drop). See <see cref="EndpointChain"/> for the rules left
/// out where they cannot change a verdict; a direction no policy governs dispatches straight to the profile;</item>
/// <item>policy chains <c>pi-&lt;hash&gt;</c>/<c>po-&lt;hash&gt;</c> shared by every endpoint the policy selects; an
/// Allow or Pass is a goto to <c>mark-accept</c>/<c>mark-pass</c>, which set the bit and return;</item>
/// <item>a named set per selector and per named port (a rule that needs an empty one is left out until it has
/// members; see <see cref="RuleRenderer"/>); counters on every rule;</item>
/// <item>with host endpoints on this node, Felix's host-endpoint chains and hooks (raw, mangle and filter; see
/// <see cref="RenderBaseChains"/>), dispatched by verdict maps on the interface.</item>
/// </list>
/// An endpoint chain returns with the accept bit set; a packet between two local pods gets the source's egress verdict
/// in prerouting and the destination's ingress verdict in postrouting.
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

    public const string FromHostMap = "from-hep";
    public const string ToHostMap = "to-hep";
    public const string FromHostForwardMap = "from-hep-fwd";
    public const string ToHostForwardMap = "to-hep-fwd";
    public const string MangleFromHostMap = "mangle-from-hep";
    public const string RawFromHostMap = "raw-from-hep";
    public const string RawToHostMap = "raw-to-hep";

    public const string PreroutingChain = "filter-PREROUTING";
    public const string PostroutingChain = "filter-POSTROUTING";
    public const string PreroutingHook = "type filter hook prerouting priority filter; policy accept;";
    public const string PostroutingHook = "type filter hook postrouting priority filter; policy accept;";

    private const string FromDispatch = "from-wl-dispatch";
    private const string ToDispatch = "to-wl-dispatch";

    /// <summary>
    /// Felix's conntrack rules at the top of an endpoint chain: replies and established flows pass, invalid packets drop.
    /// </summary>
    public static readonly ImmutableArray<string> ConntrackFastPath = ["ct state established,related accept", "ct state invalid counter drop"];

    /// <summary>
    /// Clears the accept and pass bits before an endpoint's policy runs. A workload's chains leave it to the dispatch
    /// (here and in <see cref="TableLayout"/>'s hooks), once for every workload instead of a rule in each chain.
    /// </summary>
    public static readonly string ClearMarks =
        $"meta mark set meta mark & {RuleRenderer.Hex(~(RuleRenderer.AcceptMark | RuleRenderer.PassMark))}";

    private static readonly string ClearPass = $"meta mark set meta mark & {RuleRenderer.Hex(~RuleRenderer.PassMark)}";
    private static readonly string PassClear = $"meta mark & {RuleRenderer.PassHex} == 0 ";
    private static readonly string AcceptedReturn = $"meta mark & {RuleRenderer.AcceptHex} != 0 return";
    private static readonly NftChain AcceptChain = new(null, [RuleRenderer.SetAccept]);
    private static readonly NftChain PassChain = new(null, [RuleRenderer.SetPass]);

    private readonly RuleRenderer _rules = new(options.Ipv6Support);
    // The sets the policy being rendered acquired, each with whether it was empty then; one list and one delegate for
    // every policy of a full program.
    private readonly List<(SetRequest Request, bool Empty)> _acquired = [];
    private Func<SetRequest, string?>? _acquire;
    private PolicyCache _policyCache = new();
    private IpSetRegistry _sets = new();
    private Dictionary<string, EndpointChains> _endpoints = new(StringComparer.Ordinal);
    private Dictionary<CompiledPolicy, PolicyChains> _policyChains = new(ReferenceEqualityComparer.Instance);
    private HashSet<CompiledPolicy> _policies = new(ReferenceEqualityComparer.Instance);
    private WorkloadPolicyIndex _index = new();
    private HashSet<string> _profiles = new(StringComparer.Ordinal);
    private ImmutableSortedDictionary<string, NftChain>.Builder _chains = NewChains();
    private ImmutableSortedDictionary<string, string>.Builder _fromMap = NewMap();
    private ImmutableSortedDictionary<string, string>.Builder _toMap = NewMap();
    private HashSet<string> _hostChains = new(StringComparer.Ordinal);
    private Dictionary<Profile, CompiledPolicy> _hostProfiles = new(ReferenceEqualityComparer.Instance);
    private string _tierSignature = "";
    private object[]? _policySources;
    private Dictionary<CompiledPolicy, int> _rank = new(ReferenceEqualityComparer.Instance);
    private Dictionary<CompiledPolicy, CompiledTier> _tierOf = new(ReferenceEqualityComparer.Instance);
    private bool _trusted;
    private Dictionary<string, PodEndpoint> _pods = new(StringComparer.Ordinal);
    private ImmutableList<PodEndpoint>? _podsSource;

    public NftRuleset Render(ClusterState state, IReadOnlyCollection<WorkloadInterface> endpoints)
    {
        foreach (var endpoint in endpoints) NftNames.RequireInterfaceName(endpoint.InterfaceName);
        if (!_trusted) Reset();
        _trusted = false;

        var (added, removed) = UpdatePolicies(state);
        var (rank, tierOf) = (_rank, _tierOf);
        _sets.BeginRound(state);

        var pods = PodsByKey(state);
        var previous = _endpoints;
        _endpoints = new Dictionary<string, EndpointChains>(StringComparer.Ordinal);
        var active = new HashSet<CompiledPolicy>(ReferenceEqualityComparer.Instance);
        var namespaces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
        {
            // A veth whose pod the state does not (yet) know stays an unknown interface: dropped, as in Felix.
            if (!pods.TryGetValue(endpoint.PodKey, out var pod)) continue;
            var iface = endpoint.InterfaceName;
            var chains = Select(previous.GetValueOrDefault(iface), pod, state.InheritedBy(pod), added, removed);
            if (!chains.Rendered)
            {
                var ordered = chains.Selected.OrderBy(p => rank[p]).ToList();
                var key = Quoted(iface);
                _toMap[key] = WorkloadChain($"tw-{iface}", ordered, tierOf, PolicyDirection.Ingress, $"pri-kns.{pod.Namespace}");
                _fromMap[key] = WorkloadChain($"fw-{iface}", ordered, tierOf, PolicyDirection.Egress, $"pro-kns.{pod.Namespace}");
                chains.Rendered = true;
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

        var maps = new Dictionary<string, NftVerdictMap>
        {
            [FromWorkloadMap] = new("ifname", _fromMap.ToImmutable()),
            [ToWorkloadMap] = new("ifname", _toMap.ToImmutable()),
        };
        var hosts = RenderHostEndpoints(state, rank, tierOf, active, maps);
        RenderPolicies(active);
        RenderProfiles(namespaces);
        RenderBaseChains(hosts);
        _chains[RuleRenderer.AcceptChain] = AcceptChain;
        _chains[RuleRenderer.PassChain] = PassChain;
        var ruleset = new NftRuleset(_sets.EndRound(),
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, maps), _chains.ToImmutable());
        _trusted = true;
        return ruleset;
    }

    /// <summary>The state's pods by key, indexed again only when the pod list changed (a full program renders it once per table).</summary>
    private Dictionary<string, PodEndpoint> PodsByKey(ClusterState state)
    {
        if (ReferenceEquals(_podsSource, state.Pods)) return _pods;
        var pods = new Dictionary<string, PodEndpoint>(state.Pods.Count, StringComparer.Ordinal);
        foreach (var pod in state.Pods) pods[pod.Key] = pod;
        (_pods, _podsSource) = (pods, state.Pods);
        return pods;
    }

    /// <summary>
    /// The policies in order (<see cref="_rank"/>) with their tiers, the index over them, and those added and removed
    /// since the last round; left as they are when none of the lists they come from changed (a pod's change, which the
    /// immutable state makes without touching them).
    /// </summary>
    private (List<CompiledPolicy> Added, List<CompiledPolicy> Removed) UpdatePolicies(ClusterState state)
    {
        object[] sources = [state.KubernetesPolicies, state.NetworkPolicies, state.GlobalNetworkPolicies, state.Tiers];
        if (_policySources is not null && sources.AsSpan().SequenceEqual(_policySources, ReferenceEqualityComparer.Instance)) return ([], []);
        var tiers = PolicyCompiler.CompileTiers(state, _policyCache);
        _rank = new Dictionary<CompiledPolicy, int>(ReferenceEqualityComparer.Instance);
        _tierOf = new Dictionary<CompiledPolicy, CompiledTier>(ReferenceEqualityComparer.Instance);
        foreach (var tier in tiers)
        {
            foreach (var policy in tier.Policies)
            {
                _rank[policy] = _rank.Count;
                _tierOf[policy] = tier;
            }
        }
        var signature = string.Join('\n', tiers.Select(t => $"{t.Name} {t.Order} {t.DefaultPass}"));
        if (signature != _tierSignature)
        {
            // Tier order or default actions changed: every endpoint chain is laid out again.
            foreach (var endpoint in _endpoints.Values) endpoint.Rendered = false;
            _tierSignature = signature;
        }
        var current = new HashSet<CompiledPolicy>(_rank.Keys, ReferenceEqualityComparer.Instance);
        var added = current.Where(p => !_policies.Contains(p)).ToList();
        var removed = _policies.Where(p => !current.Contains(p)).ToList();
        _policies = current;
        foreach (var policy in removed) _index.Remove(policy);
        foreach (var policy in added) _index.Add(policy);
        _policySources = sources;
        return (added, removed);
    }

    /// <summary>
    /// The endpoint's selected policies brought up to date: from the previous round's by removing and matching only
    /// the policies that changed while its labels are the same objects, or matched through the index otherwise.
    /// Its chains are cleared when the selection changed.
    /// </summary>
    private EndpointChains Select(
        EndpointChains? known, PodEndpoint pod, PodInheritance inherited,
        List<CompiledPolicy> added, List<CompiledPolicy> removed)
    {
        if (known is not null && ReferenceEquals(known.Pod, pod) && known.Inherited == inherited)
        {
            var changed = false;
            foreach (var policy in removed) changed |= known.Selected.Remove(policy);
            foreach (var policy in added)
            {
                if (policy.AppliesToWorkloads && policy.Selects(known.Labels)) changed |= known.Selected.Add(policy);
            }
            if (changed) known.Rendered = false;
            return known;
        }
        var chains = new EndpointChains(pod, inherited, CalicoLabels.ForPod(pod, inherited));
        chains.Selected.UnionWith(_index.Selecting(chains.Labels));
        return chains;
    }

    /// <summary>
    /// A workload's chain for one direction, returning the dispatch map's verdict for its interface: a goto to the
    /// chain, or straight to its profile when no policy governs this direction (the chain is then removed).
    /// </summary>
    private string WorkloadChain(
        string name, List<CompiledPolicy> ordered, Dictionary<CompiledPolicy, CompiledTier> tierOf, PolicyDirection direction, string profile)
    {
        if (!ordered.Exists(p => p.Governs(direction)))
        {
            _chains.Remove(name);
            return $"goto {profile}";
        }
        _chains[name] = EndpointChain(ordered, tierOf, direction, ChainKind.Workload, null, [profile]);
        return $"goto {name}";
    }

    /// <summary>
    /// An endpoint chain (Felix's <c>endpointIptablesChain</c>): the conntrack fast path on tracked chains, the
    /// failsafe jump on host endpoints, then per tier a jump to each policy chain while the pass bit is clear,
    /// returning as soon as the accept bit is set, and the end-of-tier drop unless the tier's default action is Pass
    /// (pre-DNAT and untracked tiers always pass, so normal policy still runs); then the kind's ending.
    /// <para>
    /// The pass bit is tested only where a policy run before may have set it (one with a Pass rule), and cleared between
    /// tiers only then. An end-of-tier drop that nothing can pass ends the chain: the accept test before it becomes the
    /// drop's condition (an accepted packet falls off the chain's end, which returns), and what would follow is never
    /// reached. A workload's chain starts with its marks cleared by the dispatch.
    /// </para>
    /// </summary>
    private static NftChain EndpointChain(
        IEnumerable<CompiledPolicy> ordered, Dictionary<CompiledPolicy, CompiledTier> tierOf, PolicyDirection direction,
        ChainKind kind, string? failsafe, IReadOnlyList<string> profileChains)
    {
        var body = ImmutableArray.CreateBuilder<string>();
        if (kind is ChainKind.Normal or ChainKind.Forward) body.AddRange(ConntrackFastPath);
        if (failsafe is not null) body.Add($"counter jump {failsafe}");
        if (kind is not ChainKind.Workload) body.Add(ClearMarks);
        // A tier with no policy for this endpoint and direction does not exist for it: no end-of-tier drop.
        var mayPass = false;
        foreach (var tier in ordered.Where(p => p.Governs(direction)).GroupBy(p => tierOf[p]))
        {
            if (mayPass)
            {
                body.Add(ClearPass);
                mayPass = false;
            }
            var drops = !tier.Key.DefaultPass && kind is not ChainKind.PolicyOnly;
            var endOfTier = $"counter drop comment \"end of tier {tier.Key.Name}\"";
            var policies = tier.ToList();
            for (var i = 0; i < policies.Count; i++)
            {
                var policy = policies[i];
                body.Add($"{(mayPass ? PassClear : "")}counter jump {PolicyChainName(policy, direction)}");
                mayPass |= policy.Rules(direction).Any(rule => rule.Action == Rule.ActionPass);
                if (drops && !mayPass && i == policies.Count - 1)
                {
                    body.Add($"meta mark & {RuleRenderer.AcceptHex} == 0 {endOfTier}");
                    return new NftChain(null, body.ToImmutable());
                }
                body.Add(AcceptedReturn);
            }
            if (drops) body.Add($"{PassClear}{endOfTier}");
        }
        switch (kind)
        {
            case ChainKind.Workload:
                // The last profile is reached by goto: a workload's profile chain ends in the drop itself.
                foreach (var profile in profileChains.SkipLast(1))
                {
                    body.Add($"counter jump {profile}");
                    body.Add(AcceptedReturn);
                }
                body.Add($"counter goto {profileChains[^1]}");
                break;
            case ChainKind.Normal:
                foreach (var profile in profileChains)
                {
                    body.Add($"counter jump {profile}");
                    body.Add(AcceptedReturn);
                }
                body.Add("counter drop comment \"no profile matched\"");
                break;
            case ChainKind.Forward:
                // Forwarded traffic no applyOnForward policy decided is allowed (Felix: "Allow forwarded traffic by default").
                body.Add($"counter meta mark set meta mark | {RuleRenderer.AcceptHex} return comment \"allow forwarded traffic by default\"");
                break;
        }
        return new NftChain(null, body.ToImmutable());
    }

    /// <summary>
    /// The chains and dispatch maps of this node's host endpoints (on the interface each names or, without a name, on
    /// those holding its expected IPs; one per interface, the first by name), laid out as Felix's <c>cali-fh-</c>/<c>cali-th-</c> (normal policy, then the endpoint's
    /// profiles, rendered as policy chains, after the failsafe ports; no policy and no profile means deny), <c>cali-fhfw-</c>/<c>cali-thfw-</c> (applyOnForward
    /// policy; nothing selected means allow), and the mangle (pre-DNAT, ingress) and raw (untracked) chains, whose
    /// tiers always pass. The all-interfaces endpoint gets normal and pre-DNAT chains only. A node has a handful of
    /// host interfaces, so their chains are laid out again every round; unchanged ones are not written.
    /// </summary>
    private HostDispatch RenderHostEndpoints(
        ClusterState state, Dictionary<CompiledPolicy, int> rank, Dictionary<CompiledPolicy, CompiledTier> tierOf,
        HashSet<CompiledPolicy> active, Dictionary<string, NftVerdictMap> maps)
    {
        var local = state.HostEndpoints
            .Where(e => e.Spec.Node == options.NodeName)
            .OrderBy(e => e.Metadata.Name, StringComparer.Ordinal)
            .SelectMany(e => HostInterfaces(e, state.LocalInterfaces).Select(iface => (Endpoint: e, Interface: iface)))
            .DistinctBy(e => e.Interface)
            .ToList();
        var rendered = new HashSet<string>(StringComparer.Ordinal);
        var profiles = new Dictionary<Profile, CompiledPolicy>(ReferenceEqualityComparer.Instance);
        var wildcard = false;
        if (local.Count > 0)
        {
            var ordered = rank.Keys.OrderBy(p => rank[p]).ToList();
            var hostMaps = new[] { FromHostMap, ToHostMap, FromHostForwardMap, ToHostForwardMap, MangleFromHostMap, RawFromHostMap, RawToHostMap }
                .ToDictionary(name => name, _ => NewMap(), StringComparer.Ordinal);
            void Chain(string name, NftChain chain)
            {
                SetChain(name, chain);
                rendered.Add(name);
            }
            foreach (var (endpoint, iface) in local)
            {
                var all = iface == HostEndpointSpec.AllInterfaces;
                if (!all) NftNames.RequireInterfaceName(iface);
                wildcard |= all;
                var labels = CalicoLabels.ForHostEndpoint(endpoint, state.Profiles);
                var selected = ordered.Where(p => p.Selects(labels)).ToList();
                active.UnionWith(selected.Where(p => !all || p.Flavor != HostPolicyFlavor.Untracked));
                var normal = selected.Where(p => p.AppliesToWorkloads).ToList();
                var preDnat = selected.Where(p => p.Flavor == HostPolicyFlavor.PreDnat).ToList();
                // A listed profile that does not exist allows nothing, as in Felix.
                var listed = (endpoint.Spec.Profiles ?? [])
                    .Select(name => state.Profiles.Find(p => p.Metadata.Name == name))
                    .OfType<Profile>()
                    .Select(profile => profiles[profile] = _hostProfiles.GetValueOrDefault(profile) ?? PolicyCompiler.CompileProfile(profile))
                    .ToList();
                active.UnionWith(listed);
                Chain(HostChainName("fh", iface), EndpointChain(normal, tierOf, PolicyDirection.Ingress, ChainKind.Normal, "failsafe-in",
                    [.. listed.Select(p => PolicyChainName(p, PolicyDirection.Ingress))]));
                Chain(HostChainName("th", iface), EndpointChain(normal, tierOf, PolicyDirection.Egress, ChainKind.Normal, "failsafe-out",
                    [.. listed.Select(p => PolicyChainName(p, PolicyDirection.Egress))]));
                Chain(HostChainName("mangle-fh", iface),
                    EndpointChain(preDnat, tierOf, PolicyDirection.Ingress, ChainKind.PolicyOnly, "failsafe-in", []));
                if (all) continue;
                var forward = selected.Where(p => p.Flavor == HostPolicyFlavor.NormalAndForward).ToList();
                var untracked = selected.Where(p => p.Flavor == HostPolicyFlavor.Untracked).ToList();
                Chain(HostChainName("fhfw", iface), EndpointChain(forward, tierOf, PolicyDirection.Ingress, ChainKind.Forward, null, []));
                Chain(HostChainName("thfw", iface), EndpointChain(forward, tierOf, PolicyDirection.Egress, ChainKind.Forward, null, []));
                Chain(HostChainName("raw-fh", iface),
                    EndpointChain(untracked, tierOf, PolicyDirection.Ingress, ChainKind.PolicyOnly, "raw-failsafe-in", []));
                Chain(HostChainName("raw-th", iface),
                    EndpointChain(untracked, tierOf, PolicyDirection.Egress, ChainKind.PolicyOnly, "raw-failsafe-out", []));
                var key = Quoted(iface);
                hostMaps[FromHostMap][key] = $"goto {HostChainName("fh", iface)}";
                hostMaps[ToHostMap][key] = $"goto {HostChainName("th", iface)}";
                hostMaps[FromHostForwardMap][key] = $"jump {HostChainName("fhfw", iface)}";
                hostMaps[ToHostForwardMap][key] = $"jump {HostChainName("thfw", iface)}";
                hostMaps[MangleFromHostMap][key] = $"goto {HostChainName("mangle-fh", iface)}";
                hostMaps[RawFromHostMap][key] = $"goto {HostChainName("raw-fh", iface)}";
                hostMaps[RawToHostMap][key] = $"goto {HostChainName("raw-th", iface)}";
            }
            Chain("failsafe-in", FailsafeChain(state.FailsafeInbound, "saddr", "dport"));
            Chain("failsafe-out", FailsafeChain(state.FailsafeOutbound, "daddr", "dport"));
            // Before conntrack, replies to the other direction's failsafe connections must be let through too.
            Chain("raw-failsafe-in", FailsafeChain(state.FailsafeInbound, "saddr", "dport", state.FailsafeOutbound));
            Chain("raw-failsafe-out", FailsafeChain(state.FailsafeOutbound, "daddr", "dport", state.FailsafeInbound));
            foreach (var (name, elements) in hostMaps) maps[name] = new NftVerdictMap("ifname", elements.ToImmutable());
        }
        foreach (var gone in _hostChains.Where(name => !rendered.Contains(name))) _chains.Remove(gone);
        _hostChains = rendered;
        _hostProfiles = profiles;
        return new HostDispatch(local.Count > 0, wildcard);
    }

    /// <summary>
    /// Accepts each failsafe port (the peer net, when given, on <paramref name="peer"/>), and with
    /// <paramref name="replies"/> the replies from the other direction's failsafe ports (source port, same peer side).
    /// </summary>
    private NftChain FailsafeChain(
        IEnumerable<FailsafePort> ports, string peer, string port, IEnumerable<FailsafePort>? replies = null)
    {
        var rules = ImmutableArray.CreateBuilder<string>();
        void Add(FailsafePort failsafe, string portField)
        {
            if (failsafe.Net is { } net && net.IsV6 && !options.Ipv6Support) return;
            var scope = failsafe.Net is { } n ? $"{(n.IsV6 ? "ip6" : "ip")} {peer} {CidrNormalizer.Element(n.Masked())} " : "";
            rules.Add(string.Create(CultureInfo.InvariantCulture,
                $"{scope}meta l4proto {failsafe.Protocol} th {portField} {failsafe.Port} counter accept"));
        }
        foreach (var failsafe in ports) Add(failsafe, port);
        foreach (var failsafe in replies ?? []) Add(failsafe, "sport");
        return new NftChain(null, rules.ToImmutable());
    }

    /// <summary>
    /// Chains of the policies some local endpoint uses, rendered once per compiled policy, and again when one of its
    /// sets became empty or stopped being empty (see <see cref="RuleRenderer"/>); a policy that stops being used loses
    /// its chains (unless a replacement under the same name took them) and releases its sets.
    /// </summary>
    private void RenderPolicies(HashSet<CompiledPolicy> active)
    {
        if (_sets.EmptinessChanged)
        {
            foreach (var (policy, stale) in _policyChains.Where(p => active.Contains(p.Key) && p.Value.Stale(_sets)).ToList())
            {
                foreach (var (request, _) in stale.Sets) _sets.Release(request);
                _policyChains.Remove(policy);
            }
        }
        _acquire ??= Acquire;
        foreach (var policy in active.Where(p => !_policyChains.ContainsKey(p)))
        {
            _acquired.Clear();
            NftChain? Chain(PolicyDirection d)
            {
                if (!policy.Governs(d)) return null;
                var rules = policy.Rules(d);
                var body = ImmutableArray.CreateBuilder<string>(rules.Length);
                foreach (var rule in rules) _rules.Render(rule, _acquire, policy.Flavor == HostPolicyFlavor.Untracked, body);
                return new NftChain(null, body.DrainToImmutable());
            }
            var chains = new PolicyChains(PolicyChainName(policy, PolicyDirection.Ingress), Chain(PolicyDirection.Ingress),
                PolicyChainName(policy, PolicyDirection.Egress), Chain(PolicyDirection.Egress), [.. _acquired]);
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
            foreach (var (request, _) in chains.Sets) _sets.Release(request);
            if (activeNames.Contains(chains.IngressName)) continue;
            _chains.Remove(chains.IngressName);
            _chains.Remove(chains.EgressName);
        }
    }

    private string? Acquire(SetRequest request)
    {
        var name = _sets.Acquire(request);
        _acquired.Add((request, name is null));
        return name;
    }

    private void SetChain(string name, NftChain? chain)
    {
        if (chain is null)
        {
            _chains.Remove(name);
        }
        else if (!_chains.TryGetValue(name, out var existing) || !existing.SameAs(chain))
        {
            _chains[name] = chain;
        }
    }

    /// <summary>
    /// The profiles <c>kns.&lt;ns&gt;</c> of namespaces with local endpoints: Kubernetes namespaces allow all. As the
    /// last profile of a workload's chain, which reaches it by goto, it ends in the chain's final drop.
    /// </summary>
    private void RenderProfiles(HashSet<string> namespaces)
    {
        var allow = new NftChain(null,
            [$"counter {RuleRenderer.SetAccept}", "counter drop comment \"no profile matched\""]);
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

    /// <summary>
    /// The base chains: workload egress in <c>filter-PREROUTING</c> and ingress in <c>filter-POSTROUTING</c>, and the
    /// endpoint-to-host action first in <c>filter-INPUT</c> (a workload's packet carries the accept bit of its egress
    /// policy by then). With local host endpoints they also hold Felix's host-endpoint hooks: untracked policy in
    /// <c>raw-PREROUTING</c>/<c>raw-OUTPUT</c> (priority raw, before conntrack), pre-DNAT policy in
    /// <c>mangle-PREROUTING</c> (priority mangle, before any DNAT), normal policy in
    /// <c>filter-INPUT</c>/<c>filter-OUTPUT</c>, and forward policy in <c>filter-FORWARD</c>. A packet accepted in raw
    /// or mangle carries the accept bit and skips the host endpoint's later chains, as Felix's
    /// <c>acceptAlreadyAccepted</c>. The all-interfaces endpoint (<c>*</c>) catches what no named interface's endpoint
    /// did.
    /// </summary>
    private void RenderBaseChains(HostDispatch hosts)
    {
        var prefix = Quoted(options.InterfacePrefix + "*");
        var accept = RuleRenderer.AcceptHex;
        var alreadyAccepted = $"meta mark & {accept} != 0 counter accept";
        SetChain(FromDispatch, new NftChain(null,
            [.. ConntrackFastPath, ClearMarks, $"iifname vmap @{FromWorkloadMap}", "counter drop comment \"unknown workload interface\""]));
        SetChain(ToDispatch, new NftChain(null,
            [.. ConntrackFastPath, ClearMarks, $"oifname vmap @{ToWorkloadMap}", "counter drop comment \"unknown workload interface\""]));
        SetChain(PreroutingChain, new NftChain(PreroutingHook, [$"iifname {prefix} counter jump {FromDispatch}"]));
        SetChain(PostroutingChain, new NftChain(PostroutingHook, [$"oifname {prefix} counter jump {ToDispatch}"]));
        var forward = ImmutableArray.CreateBuilder<string>();
        var input = ImmutableArray.CreateBuilder<string>();
        input.Add($"iifname {prefix} counter {(options.AcceptEndpointToHost ? "accept" : "drop")}");
        if (hosts.Any)
        {
            forward.Add($"meta mark & {accept} == 0 iifname vmap @{FromHostForwardMap}");
            forward.Add($"oifname vmap @{ToHostForwardMap}");
            input.Add(alreadyAccepted);
            input.Add($"iifname vmap @{FromHostMap}");
            if (hosts.Wildcard) input.Add($"counter goto {HostChainName("fh", HostEndpointSpec.AllInterfaces)}");
        }
        forward.Add($"iifname {prefix} counter accept");
        forward.Add($"oifname {prefix} counter accept");
        SetChain("filter-FORWARD", new NftChain("type filter hook forward priority filter; policy accept;", forward.ToImmutable()));
        SetChain("filter-INPUT", new NftChain("type filter hook input priority filter; policy accept;", input.ToImmutable()));
        if (!hosts.Any)
        {
            SetChain("filter-OUTPUT", null);
            SetChain("mangle-PREROUTING", null);
            SetChain("raw-PREROUTING", null);
            SetChain("raw-OUTPUT", null);
            return;
        }
        // Host-to-workload traffic is policed by the workload's ingress only, never by host endpoint policy.
        var output = ImmutableArray.CreateBuilder<string>();
        output.Add(alreadyAccepted);
        output.Add($"oifname {prefix} counter accept");
        output.Add($"oifname vmap @{ToHostMap}");
        if (hosts.Wildcard) output.Add($"counter goto {HostChainName("th", HostEndpointSpec.AllInterfaces)}");
        SetChain("filter-OUTPUT", new NftChain("type filter hook output priority filter; policy accept;", output.ToImmutable()));
        var mangle = ImmutableArray.CreateBuilder<string>();
        mangle.Add("ct state established,related accept");
        mangle.Add(alreadyAccepted);
        mangle.Add($"iifname {prefix} accept");
        mangle.Add($"iifname vmap @{MangleFromHostMap}");
        if (hosts.Wildcard) mangle.Add($"counter goto {HostChainName("mangle-fh", HostEndpointSpec.AllInterfaces)}");
        SetChain("mangle-PREROUTING", new NftChain("type filter hook prerouting priority mangle; policy accept;", mangle.ToImmutable()));
        SetChain("raw-PREROUTING", new NftChain("type filter hook prerouting priority raw; policy accept;",
            [ClearMarks, $"iifname vmap @{RawFromHostMap}"]));
        SetChain("raw-OUTPUT", new NftChain("type filter hook output priority raw; policy accept;",
            [ClearMarks, $"oifname vmap @{RawToHostMap}"]));
    }

    private void Reset()
    {
        _policyCache = new PolicyCache();
        _sets = new IpSetRegistry();
        _endpoints = new Dictionary<string, EndpointChains>(StringComparer.Ordinal);
        _policyChains = new Dictionary<CompiledPolicy, PolicyChains>(ReferenceEqualityComparer.Instance);
        _policies = new HashSet<CompiledPolicy>(ReferenceEqualityComparer.Instance);
        _index = new WorkloadPolicyIndex();
        _profiles = new HashSet<string>(StringComparer.Ordinal);
        _chains = NewChains();
        _fromMap = NewMap();
        _toMap = NewMap();
        _hostChains = new HashSet<string>(StringComparer.Ordinal);
        _hostProfiles = new Dictionary<Profile, CompiledPolicy>(ReferenceEqualityComparer.Instance);
        _tierSignature = "";
        _policySources = null;
        _rank = new Dictionary<CompiledPolicy, int>(ReferenceEqualityComparer.Instance);
        _tierOf = new Dictionary<CompiledPolicy, CompiledTier>(ReferenceEqualityComparer.Instance);
    }

    /// <summary>
    /// The interfaces a host endpoint protects: the one it names, or, without a name, every interface holding one of
    /// its expected IPs (Felix's resolution by address).
    /// </summary>
    private static IEnumerable<string> HostInterfaces(HostEndpoint endpoint, ImmutableSortedDictionary<string, ImmutableArray<IPAddress>> interfaces)
    {
        if (!string.IsNullOrEmpty(endpoint.Spec.InterfaceName)) return [endpoint.Spec.InterfaceName];
        var expected = (endpoint.Spec.ExpectedIPs ?? []).Select(IPAddress.Parse).ToHashSet();
        return interfaces.Where(i => i.Value.Any(expected.Contains)).Select(i => i.Key);
    }

    /// <summary>A host endpoint's chain: <c>fh-eth0</c>; the all-interfaces endpoint's, which no interface can name, <c>fhall</c>.</summary>
    private static string HostChainName(string prefix, string iface) =>
        iface == HostEndpointSpec.AllInterfaces ? $"{prefix}all" : $"{prefix}-{iface}";

    private static string PolicyChainName(CompiledPolicy policy, PolicyDirection direction) =>
        $"{(direction == PolicyDirection.Ingress ? "pi" : "po")}-{NftNames.Hash(policy.Key)}";

    private static ImmutableSortedDictionary<string, NftChain>.Builder NewChains() =>
        ImmutableSortedDictionary.CreateBuilder<string, NftChain>(StringComparer.Ordinal);

    private static ImmutableSortedDictionary<string, string>.Builder NewMap() =>
        ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);

    private static string Quoted(string text) => $"\"{text}\"";

    /// <summary>
    /// How an endpoint chain starts and ends: with the conntrack fast path (not on a workload's, where the dispatch chain
    /// has it once for every workload), and in the profiles and a drop, in an allow (forward), or by falling through.
    /// </summary>
    private enum ChainKind
    {
        Normal,
        Workload,
        Forward,
        PolicyOnly,
    }

    /// <summary>Whether any local host endpoint is policed, and whether one is the all-interfaces endpoint.</summary>
    private readonly record struct HostDispatch(bool Any, bool Wildcard);
}
