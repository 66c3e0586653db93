using System.Collections.Immutable;

namespace CniNet.Felix.Policy;

/// <summary>
/// A policy as Felix's calculation graph holds it: the endpoints it selects, the directions it governs, its rules
/// per direction, and its sort key within its tier.
/// </summary>
internal sealed class CompiledPolicy(
    string kind,
    string name,
    string? ns,
    double? order,
    SelectorConjunction selector,
    bool governsIngress,
    bool governsEgress,
    ImmutableArray<CompiledRule> ingress,
    ImmutableArray<CompiledRule> egress,
    HostPolicyFlavor flavor = HostPolicyFlavor.Normal)
{
    public string Name => name;

    /// <summary>Unique among all policies: tier membership aside, Calico names a policy by kind, namespace and name.</summary>
    public string Key => TieKey;

    /// <summary>Order ascending, no order as +Inf; ties on "name/namespace/kind" (Felix's <c>PolKVLess</c>).</summary>
    public static int Compare(CompiledPolicy a, CompiledPolicy b)
    {
        var byOrder = (a.OrderKey).CompareTo(b.OrderKey);
        return byOrder != 0 ? byOrder : string.CompareOrdinal(a.TieKey, b.TieKey);
    }

    private double OrderKey => order ?? double.PositiveInfinity;

    // Compared on every sort of a tier: built once.
    private string TieKey { get; } = $"{name}/{ns}/{kind}";

    public HostPolicyFlavor Flavor => flavor;

    /// <summary>Pre-DNAT and untracked policies police host endpoints only.</summary>
    public bool AppliesToWorkloads => flavor is HostPolicyFlavor.Normal or HostPolicyFlavor.NormalAndForward;

    public bool Governs(PolicyDirection direction) =>
        direction == PolicyDirection.Ingress ? governsIngress : governsEgress;

    public bool Selects(IReadOnlyDictionary<string, string> endpointLabels) => selector.Matches(endpointLabels);

    /// <summary>A label every endpoint this policy selects holds with this value, or null.</summary>
    public KeyValuePair<string, string>? RequiredLabel => selector.RequiredLabel;

    public ImmutableArray<CompiledRule> Rules(PolicyDirection direction) =>
        direction == PolicyDirection.Ingress ? ingress : egress;
}
