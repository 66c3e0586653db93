using CniNet.Felix.Policy;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// The policies that apply to workloads, indexed by a label their selector requires (<c>pod == 'a'</c>, or one
/// equality ANDed with anything): matching an endpoint evaluates only the policies its own labels could satisfy and
/// those without such a label, instead of every policy, as Felix's label index does. A full program of N endpoints
/// each selected by a policy of its own is then O(N), not O(N²).
/// </summary>
internal sealed class WorkloadPolicyIndex
{
    // Keyed by (label, value): KeyValuePair has no IEquatable, so as a key it would compare by reflection.
    private readonly Dictionary<(string Label, string Value), HashSet<CompiledPolicy>> _byLabel = [];
    private readonly HashSet<CompiledPolicy> _unindexed = new(ReferenceEqualityComparer.Instance);

    public void Add(CompiledPolicy policy)
    {
        if (!policy.AppliesToWorkloads) return;
        if (policy.RequiredLabel is not { } label)
        {
            _unindexed.Add(policy);
            return;
        }
        if (!_byLabel.TryGetValue((label.Key, label.Value), out var policies))
        {
            _byLabel[(label.Key, label.Value)] = policies = new HashSet<CompiledPolicy>(ReferenceEqualityComparer.Instance);
        }
        policies.Add(policy);
    }

    public void Remove(CompiledPolicy policy)
    {
        if (!policy.AppliesToWorkloads) return;
        if (policy.RequiredLabel is not { } label)
        {
            _unindexed.Remove(policy);
        }
        else if (_byLabel.TryGetValue((label.Key, label.Value), out var policies) && policies.Remove(policy) && policies.Count == 0)
        {
            _byLabel.Remove((label.Key, label.Value));
        }
    }

    /// <summary>The policies that select an endpoint with <paramref name="labels"/>.</summary>
    public IEnumerable<CompiledPolicy> Selecting(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var policy in _unindexed)
        {
            if (policy.Selects(labels)) yield return policy;
        }
        foreach (var (label, value) in labels)
        {
            if (!_byLabel.TryGetValue((label, value), out var policies)) continue;
            foreach (var policy in policies)
            {
                if (policy.Selects(labels)) yield return policy;
            }
        }
    }
}
