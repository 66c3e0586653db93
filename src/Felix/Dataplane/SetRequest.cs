using CniNet.Felix.Policy;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// A rule's need for a named set: the addresses a selector matches in one family (<c>s4-</c>/<c>s6-</c>, Felix's
/// <c>cali40s:</c>), or with <see cref="PortName"/> the (address, protocol, port) triples of that named port on the
/// members the selector matches (<c>n4-</c>/<c>n6-</c>, Felix's <c>cali40n:</c>). The name is a hash of what the set
/// stands for, so equal needs share one set.
/// </summary>
internal sealed class SetRequest(SelectorConjunction selector, string? portName, int family)
{
    public SelectorConjunction Selector => selector;

    public string? PortName => portName;

    public int Family => family;

    /// <summary>What the set stands for; equal keys are one set. Cheaper than its name, which is hashed from it.</summary>
    public (string Selector, string? PortName, int Family) Key => (selector.ToString(), portName, family);

    public string Name() => portName is null
        ? $"s{family}-{NftNames.Hash(selector.ToString())}"
        : $"n{family}-{NftNames.Hash($"{selector}\n{portName}")}";
}
