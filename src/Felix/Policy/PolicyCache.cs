namespace CniNet.Felix.Policy;

/// <summary>
/// Compiled policies kept between compilations of successive cluster states, keyed by the policy resource object:
/// a state change that leaves a policy alone keeps the same object (the state is an immutable value), so only new or
/// replaced policies are compiled again. Entries a compilation did not use are dropped when it completes; a
/// compilation that throws leaves the cache as it was.
/// </summary>
internal sealed class PolicyCache
{
    private Dictionary<object, (string Tier, CompiledPolicy Policy)> _previous = new(ReferenceEqualityComparer.Instance);
    private Dictionary<object, (string Tier, CompiledPolicy Policy)> _current = new(ReferenceEqualityComparer.Instance);

    public void Begin() => _current.Clear();

    public (string Tier, CompiledPolicy Policy) GetOrAdd(object resource, Func<(string Tier, CompiledPolicy Policy)> compile)
    {
        if (!_previous.TryGetValue(resource, out var compiled) && !_current.TryGetValue(resource, out compiled))
        {
            compiled = compile();
        }
        _current[resource] = compiled;
        return compiled;
    }

    public void Complete() => (_previous, _current) = (_current, _previous);
}
