using CniNet.Model.Net;

namespace CniNet.Bgp.Wire;

/// <summary>MP_UNREACH_NLRI (RFC 4760 §4); with no prefixes it is the End-of-RIB marker of its family (RFC 4724 §2).</summary>
public sealed record MpUnreach(BgpFamily Family, IReadOnlyList<Cidr> Withdrawn)
{
    public bool Equals(MpUnreach? other) => other is not null && Family == other.Family && Withdrawn.SequenceEqual(other.Withdrawn);

    public override int GetHashCode() => HashCode.Combine(Family, Withdrawn.Count);
}
