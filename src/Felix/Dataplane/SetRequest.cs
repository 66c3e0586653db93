using CniNet.Felix.Policy;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// A rule's need for a named set: the addresses a selector matches in one family (<c>s4-</c>/<c>s6-</c>, Felix's
/// <c>cali40s:</c>), or with <see cref="PortName"/> the (address, protocol, port) triples of that named port on the
/// members the selector matches (<c>n4-</c>/<c>n6-</c>, Felix's <c>cali40n:</c>). The name is a hash of what the set
/// stands for, so equal needs share one set.
/// </summary>
internal sealed record SetRequest(SelectorConjunction Selector, string? PortName, int Family)
{
    public string Name { get; } = PortName is null
        ? $"s{Family}-{NftNames.Hash(Selector.ToString())}"
        : $"n{Family}-{NftNames.Hash($"{Selector}\n{PortName}")}";
}
