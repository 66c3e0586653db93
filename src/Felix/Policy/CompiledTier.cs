using System.Collections.Immutable;

namespace CniNet.Felix.Policy;

/// <summary>A tier with its policies in evaluation order and what happens to traffic none of them decides.</summary>
internal sealed record CompiledTier(string Name, double? Order, bool DefaultPass, ImmutableArray<CompiledPolicy> Policies)
{
    /// <summary>Order ascending, no order last, ties by name (Felix's <c>TierLess</c>).</summary>
    public static int Compare(CompiledTier a, CompiledTier b)
    {
        var byOrder = (a.Order ?? double.PositiveInfinity).CompareTo(b.Order ?? double.PositiveInfinity);
        return byOrder != 0 ? byOrder : string.CompareOrdinal(a.Name, b.Name);
    }
}
