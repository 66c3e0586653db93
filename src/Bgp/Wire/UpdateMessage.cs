using CniNet.Model.Net;

namespace CniNet.Bgp.Wire;

/// <summary>
/// The UPDATE message (RFC 4271 §4.3). IPv4 unicast prefixes travel in <see cref="Withdrawn"/> and <see cref="Nlri"/>;
/// other families in the MP attributes (RFC 4760).
/// </summary>
public sealed record UpdateMessage(IReadOnlyList<Cidr> Withdrawn, PathAttributes Attributes, IReadOnlyList<Cidr> Nlri) : BgpMessage
{
    public override BgpMessageType Type => BgpMessageType.Update;

    /// <summary>
    /// Set when an attribute was malformed in a way RFC 7606 handles by "treat-as-withdraw": every prefix the message
    /// announces must be handled as withdrawn, and the session stays up. The error is what would have been sent.
    /// </summary>
    public BgpError? TreatAsWithdraw { get; init; }

    /// <summary>The End-of-RIB marker of a family (RFC 4724 §2): an UPDATE with nothing in it for IPv4, an empty MP_UNREACH for others.</summary>
    public BgpFamily? EndOfRib =>
        Withdrawn.Count == 0 && Nlri.Count == 0 && Attributes.MpReach is null
            ? Attributes.MpUnreach is { Withdrawn.Count: 0 } unreach && Attributes.Equals(PathAttributes.Empty with { MpUnreach = unreach })
                ? unreach.Family
                : Attributes.Equals(PathAttributes.Empty) ? BgpFamily.Ipv4Unicast : null
            : null;

    public static UpdateMessage EndOfRibFor(BgpFamily family) =>
        family == BgpFamily.Ipv4Unicast
            ? new UpdateMessage([], PathAttributes.Empty, [])
            : new UpdateMessage([], PathAttributes.Empty with { MpUnreach = new MpUnreach(family, []) }, []);

    public bool Equals(UpdateMessage? other) =>
        other is not null && Withdrawn.SequenceEqual(other.Withdrawn) && Attributes.Equals(other.Attributes) && Nlri.SequenceEqual(other.Nlri)
        && Equals(TreatAsWithdraw?.Code, other.TreatAsWithdraw?.Code);

    public override int GetHashCode() => HashCode.Combine(Withdrawn.Count, Attributes, Nlri.Count);
}
