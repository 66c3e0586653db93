using System.Collections.Immutable;
using CniNet.Felix.Calc;
using CniNet.Model.Policy;

namespace CniNet.Felix.Policy;

/// <summary>
/// Calico's policy verdict for one cluster state, as Felix renders it into per-endpoint chains: a packet from workload
/// A to workload B needs A's egress verdict and B's ingress verdict to be Allow. Per direction, tiers run in order;
/// a tier whose policies select the endpoint decides with the first matching rule of its policies in order (Allow
/// and Deny end the walk, Pass jumps to the next tier, Log carries on), and otherwise ends in its defaultAction
/// (Deny unless Pass). When no tier decides, the endpoint's namespace profile <c>kns.&lt;ns&gt;</c> allows.
/// Pure: construction compiles the state once, evaluation touches nothing else.
/// </summary>
public sealed class PolicyEvaluator
{
    private readonly ImmutableArray<CompiledTier> _tiers;
    private readonly IpSetIndex _ipSets;

    public PolicyEvaluator(ClusterState state)
    {
        State = state;
        _tiers = PolicyCompiler.CompileTiers(state);
        _ipSets = PolicyCompiler.CompileIpSets(state);
    }

    public ClusterState State { get; }

    /// <summary>A connection from <paramref name="source"/> to <paramref name="destination"/>'s IP on a port.</summary>
    public Verdict Evaluate(PodEndpoint source, PodEndpoint destination, Protocol protocol, ushort port) =>
        Evaluate(source, destination, new Packet(source.Ip, destination.Ip, protocol, SourcePort: null, port));

    public Verdict Evaluate(PodEndpoint source, PodEndpoint destination, Packet packet) =>
        EvaluateDirection(source, PolicyDirection.Egress, packet) == Verdict.Allow
        && EvaluateDirection(destination, PolicyDirection.Ingress, packet) == Verdict.Allow
            ? Verdict.Allow
            : Verdict.Deny;

    /// <summary>The verdict of <paramref name="endpoint"/>'s policy for one direction.</summary>
    public Verdict EvaluateDirection(PodEndpoint endpoint, PolicyDirection direction, Packet packet)
    {
        var labels = CalicoLabels.ForPod(endpoint, State.InheritedBy(endpoint));
        foreach (var tier in _tiers)
        {
            switch (EvaluateTier(tier, labels, direction, packet))
            {
                case TierOutcome.Allow:
                    return Verdict.Allow;
                case TierOutcome.Deny:
                    return Verdict.Deny;
                case TierOutcome.NextTier:
                    continue;
            }
        }
        // Every tier was absent for this endpoint and direction, or passed: the profile kns.<ns> allows all.
        return Verdict.Allow;
    }

    private TierOutcome EvaluateTier(
        CompiledTier tier, IReadOnlyDictionary<string, string> labels, PolicyDirection direction, Packet packet)
    {
        var applies = false;
        foreach (var policy in tier.Policies)
        {
            if (!policy.AppliesToWorkloads || !policy.Governs(direction) || !policy.Selects(labels))
            {
                continue;
            }
            applies = true;
            foreach (var rule in policy.Rules(direction))
            {
                if (!rule.Matches(packet, _ipSets))
                {
                    continue;
                }
                switch (rule.Action)
                {
                    case Rule.ActionAllow:
                        return TierOutcome.Allow;
                    case Rule.ActionDeny:
                        return TierOutcome.Deny;
                    case Rule.ActionPass:
                        return TierOutcome.NextTier;
                }
                // Log: the packet is logged and goes on to the next rule.
            }
        }
        if (!applies)
        {
            return TierOutcome.NextTier;
        }
        return tier.DefaultPass ? TierOutcome.NextTier : TierOutcome.Deny;
    }

    private enum TierOutcome
    {
        Allow,
        Deny,
        NextTier,
    }
}
