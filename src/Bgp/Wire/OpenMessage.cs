using System.Net;

namespace CniNet.Bgp.Wire;

/// <summary>
/// The OPEN message (RFC 4271 §4.2). <see cref="MyAs"/> is the 2-octet field, AS_TRANS when the real AS needs four
/// octets; <see cref="As"/> is the real one, taken from the 4-octet AS capability when present (RFC 6793).
/// </summary>
public sealed record OpenMessage(byte Version, ushort MyAs, ushort HoldTime, IPAddress BgpIdentifier, IReadOnlyList<Capability> Capabilities) : BgpMessage
{
    /// <summary>RFC 6793's AS_TRANS, the 2-octet stand-in for an AS above 65535.</summary>
    public const ushort AsTrans = 23456;

    public override BgpMessageType Type => BgpMessageType.Open;

    public uint As => Capabilities.OfType<FourOctetAsCapability>().FirstOrDefault()?.As ?? MyAs;

    public bool SupportsFourOctetAs => Capabilities.OfType<FourOctetAsCapability>().Any();

    public bool SupportsRouteRefresh => Capabilities.OfType<RouteRefreshCapability>().Any();

    public GracefulRestartCapability? GracefulRestart => Capabilities.OfType<GracefulRestartCapability>().FirstOrDefault();

    /// <summary>The families announced with the multiprotocol capability; IPv4 unicast alone when there is none (RFC 4760 §8).</summary>
    public IReadOnlySet<BgpFamily> Families
    {
        get
        {
            var families = Capabilities.OfType<MultiprotocolCapability>().Select(c => c.Family).ToHashSet();
            return families.Count == 0 ? new HashSet<BgpFamily> { BgpFamily.Ipv4Unicast } : families;
        }
    }

    /// <summary>An OPEN for <paramref name="as"/>, with AS_TRANS in the 2-octet field when the AS does not fit.</summary>
    public static OpenMessage Create(uint @as, ushort holdTime, IPAddress bgpIdentifier, IReadOnlyList<Capability> capabilities) =>
        new(4, @as > ushort.MaxValue ? AsTrans : (ushort)@as, holdTime, bgpIdentifier, capabilities);

    public bool Equals(OpenMessage? other) =>
        other is not null && Version == other.Version && MyAs == other.MyAs && HoldTime == other.HoldTime
        && BgpIdentifier.Equals(other.BgpIdentifier) && Capabilities.SequenceEqual(other.Capabilities);

    public override int GetHashCode() => HashCode.Combine(MyAs, HoldTime, BgpIdentifier);
}
