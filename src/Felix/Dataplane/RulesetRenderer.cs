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
/// </summary>
internal sealed class RulesetRenderer(NftDataplaneOptions options)
{
    public const string FromWorkloadMap = "from-wl";
    public const string ToWorkloadMap = "to-wl";

    private const string FromDispatch = "from-wl-dispatch";
    private const string ToDispatch = "to-wl-dispatch";

    public NftRuleset Render(ClusterState state, IReadOnlyCollection<WorkloadInterface> endpoints)
    {
        var tiers = PolicyCompiler.CompileTiers(state);
        var sets = new IpSetRegistry(PolicyCompiler.CompileIpSets(state));
        var rules = new RuleRenderer(sets);
        var chains = new Dictionary<string, NftChain>(StringComparer.Ordinal);
        var fromMap = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        var toMap = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);

        foreach (var endpoint in endpoints)
        {
            var iface = NftNames.RequireInterfaceName(endpoint.InterfaceName);
            // A veth whose pod the state does not (yet) know stays an unknown interface: dropped, as in Felix.
            if (state.FindPod(endpoint.PodKey) is not { } pod)
            {
                continue;
            }
            var labels = CalicoLabels.ForPod(pod, state.Namespaces.TryGetValue(pod.Namespace, out var ns)
                ? ns
                : ImmutableDictionary<string, string>.Empty);
            var profile = ProfileChain(chains, pod.Namespace);
            chains[$"tw-{iface}"] = EndpointChain(tiers, labels, PolicyDirection.Ingress, profile.Ingress, chains, rules);
            chains[$"fw-{iface}"] = EndpointChain(tiers, labels, PolicyDirection.Egress, profile.Egress, chains, rules);
            toMap[Quoted(iface)] = $"goto tw-{iface}";
            fromMap[Quoted(iface)] = $"goto fw-{iface}";
        }

        var prefix = Quoted(options.InterfacePrefix + "*");
        chains[FromDispatch] = new NftChain(null,
            [$"iifname vmap @{FromWorkloadMap}", "counter drop comment \"unknown workload interface\""]);
        chains[ToDispatch] = new NftChain(null,
            [$"oifname vmap @{ToWorkloadMap}", "counter drop comment \"unknown workload interface\""]);
        chains["filter-FORWARD"] = new NftChain("type filter hook forward priority filter; policy accept;",
        [
            $"iifname {prefix} counter jump {FromDispatch}",
            $"oifname {prefix} counter jump {ToDispatch}",
            $"iifname {prefix} counter accept",
            $"oifname {prefix} counter accept",
        ]);
        chains["filter-INPUT"] = new NftChain("type filter hook input priority filter; policy accept;",
        [
            $"iifname {prefix} counter jump {FromDispatch}",
            $"iifname {prefix} counter {(options.AcceptEndpointToHost ? "accept" : "drop")}",
        ]);
        chains["filter-OUTPUT"] = new NftChain("type filter hook output priority filter; policy accept;",
            [$"oifname {prefix} counter jump {ToDispatch}"]);

        var maps = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, NftVerdictMap>
        {
            [FromWorkloadMap] = new("ifname", fromMap.ToImmutable()),
            [ToWorkloadMap] = new("ifname", toMap.ToImmutable()),
        });
        return new NftRuleset(sets.ToImmutable(), maps, chains.ToImmutableSortedDictionary(StringComparer.Ordinal));
    }

    private static NftChain EndpointChain(
        ImmutableArray<CompiledTier> tiers, IReadOnlyDictionary<string, string> labels, PolicyDirection direction,
        string profileChain, Dictionary<string, NftChain> chains, RuleRenderer rules)
    {
        var accept = RuleRenderer.Hex(RuleRenderer.AcceptMark);
        var pass = RuleRenderer.Hex(RuleRenderer.PassMark);
        var body = ImmutableArray.CreateBuilder<string>();
        body.Add("ct state established,related accept");
        body.Add("ct state invalid counter drop");
        body.Add($"meta mark set meta mark & {RuleRenderer.Hex(~(RuleRenderer.AcceptMark | RuleRenderer.PassMark))}");
        foreach (var tier in tiers)
        {
            var policies = tier.Policies.Where(p => p.Governs(direction) && p.Selects(labels)).ToList();
            // A tier with no policy for this endpoint and direction does not exist for it: no end-of-tier drop.
            if (policies.Count == 0)
            {
                continue;
            }
            body.Add($"meta mark set meta mark & {RuleRenderer.Hex(~RuleRenderer.PassMark)}");
            foreach (var policy in policies)
            {
                var chain = PolicyChain(policy, direction, chains, rules);
                body.Add($"meta mark & {pass} == 0 counter jump {chain}");
                body.Add($"meta mark & {accept} != 0 return");
            }
            if (!tier.DefaultPass)
            {
                body.Add($"meta mark & {pass} == 0 counter drop comment \"end of tier {tier.Name}\"");
            }
        }
        body.Add($"counter jump {profileChain}");
        body.Add($"meta mark & {accept} != 0 return");
        body.Add("counter drop comment \"no profile matched\"");
        return new NftChain(null, body.ToImmutable());
    }

    private static string PolicyChain(
        CompiledPolicy policy, PolicyDirection direction, Dictionary<string, NftChain> chains, RuleRenderer rules)
    {
        var name = $"{(direction == PolicyDirection.Ingress ? "pi" : "po")}-{NftNames.Hash(policy.Key)}";
        if (!chains.ContainsKey(name))
        {
            chains[name] = new NftChain(null, [.. policy.Rules(direction).SelectMany(rules.Render)]);
        }
        return name;
    }

    /// <summary>The profile <c>kns.&lt;ns&gt;</c>: Kubernetes namespaces allow everything both ways.</summary>
    private static (string Ingress, string Egress) ProfileChain(Dictionary<string, NftChain> chains, string ns)
    {
        var ingress = $"pri-kns.{ns}";
        var egress = $"pro-kns.{ns}";
        var allow = new NftChain(null, [$"counter meta mark set meta mark | {RuleRenderer.Hex(RuleRenderer.AcceptMark)} return"]);
        chains[ingress] = allow;
        chains[egress] = allow;
        return (ingress, egress);
    }

    private static string Quoted(string text) => $"\"{text}\"";
}
