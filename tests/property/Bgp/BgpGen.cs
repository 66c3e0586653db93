using System.Net;
using CniNet.Bgp.Wire;
using CniNet.Model.Net;
using FsCheck;
using FsCheck.Fluent;

namespace CniNet.Tests.Property.Bgp;

/// <summary>Generators of well-formed BGP messages, kept small enough to fit BGP's 4096-byte limit.</summary>
internal static class BgpGen
{
    public static readonly Gen<uint> UInt32 =
        from hi in Gen.Choose(0, 0xFFFF) from lo in Gen.Choose(0, 0xFFFF) select ((uint)hi << 16) | (uint)lo;

    /// <summary>AS numbers, half of them above 65535 so the AS_TRANS / AS4_PATH path is exercised.</summary>
    public static readonly Gen<uint> Asn = Gen.OneOf(Gen.Choose(1, 0xFFFF).Select(n => (uint)n), UInt32.Where(n => n > 0));

    public static Gen<byte[]> Bytes(int max) =>
        from n in Gen.Choose(0, max) from b in Gen.Choose(0, 255).ArrayOf(n) select b.Select(x => (byte)x).ToArray();

    public static Gen<IPAddress> Address(bool v6) =>
        from b in Gen.Choose(0, 255).ArrayOf(v6 ? 16 : 4) select new IPAddress(b.Select(x => (byte)x).ToArray());

    public static Gen<Cidr> Prefix(bool v6) =>
        from address in Address(v6) from length in Gen.Choose(0, v6 ? 128 : 32) select Cidr.Containing(address, length);

    public static readonly Gen<AsPathSegment> Segment =
        from type in Gen.Elements(AsPathSegmentType.Sequence, AsPathSegmentType.Set)
        from count in Gen.Choose(1, 6)
        from asns in Asn.ArrayOf(count)
        select new AsPathSegment(type, asns);

    public static readonly Gen<RawAttribute> Raw =
        from type in Gen.Elements<byte>(7, 16, 22, 40, 99, 128, 255)
        from transitive in Gen.Elements(false, true)
        from partial in Gen.Elements(false, true)
        from value in Bytes(300)
        select new RawAttribute((byte)(AttributeFlags.Optional | (transitive ? AttributeFlags.Transitive : 0) | (partial ? AttributeFlags.Partial : 0)), type, value);

    public static Gen<T?> Maybe<T>(Gen<T> gen)
        where T : class =>
        Gen.OneOf(Gen.Constant<T?>(null), gen.Select(v => (T?)v));

    public static Gen<T?> MaybeValue<T>(Gen<T> gen)
        where T : struct =>
        Gen.OneOf(Gen.Constant<T?>(null), gen.Select(v => (T?)v));

    public static readonly Gen<MpReach> Reach =
        from v6 in Gen.Elements(false, true)
        from nextHop in Address(v6)
        from linkLocal in v6 ? Maybe(Address(true)) : Gen.Constant<IPAddress?>(null)
        from count in Gen.Choose(0, 8)
        from nlri in Prefix(v6).ListOf(count)
        select new MpReach(v6 ? BgpFamily.Ipv6Unicast : BgpFamily.Ipv4Unicast, nextHop, linkLocal, nlri.ToList());

    public static readonly Gen<MpUnreach> Unreach =
        from v6 in Gen.Elements(false, true)
        from count in Gen.Choose(0, 8)
        from withdrawn in Prefix(v6).ListOf(count)
        select new MpUnreach(v6 ? BgpFamily.Ipv6Unicast : BgpFamily.Ipv4Unicast, withdrawn.ToList());

    public static readonly Gen<UpdateMessage> Update =
        from withdrawnCount in Gen.Choose(0, 8)
        from withdrawn in Prefix(false).ListOf(withdrawnCount)
        from nlriCount in Gen.Choose(0, 8)
        from nlri in Prefix(false).ListOf(nlriCount)
        from origin in MaybeValue(Gen.Elements(BgpOrigin.Igp, BgpOrigin.Egp, BgpOrigin.Incomplete))
        from segmentCount in Gen.Choose(0, 3)
        from path in Gen.OneOf(Gen.Constant<AsPathSegment[]?>(null), Segment.ArrayOf(segmentCount).Select(p => (AsPathSegment[]?)p))
        from nextHop in Maybe(Address(false))
        from med in MaybeValue(UInt32)
        from localPref in MaybeValue(UInt32)
        from atomic in Gen.Elements(false, true)
        from communityCount in Gen.Choose(0, 4)
        from communities in UInt32.ArrayOf(communityCount)
        from largeCount in Gen.Choose(0, 3)
        from large in (from g in UInt32 from a in UInt32 from b in UInt32 select new LargeCommunity(g, a, b)).ArrayOf(largeCount)
        from originator in Maybe(Address(false))
        from clusterCount in Gen.Choose(0, 3)
        from clusters in UInt32.ArrayOf(clusterCount)
        from reach in Maybe(Reach)
        from unreach in Maybe(Unreach)
        from rawCount in Gen.Choose(0, 3)
        from raw in Raw.ArrayOf(rawCount)
        let announces = nlri.Count > 0 || reach is not null
        select new UpdateMessage(withdrawn.ToList(), new PathAttributes
        {
            // Announcements carry the mandatory attributes; without them the codec (rightly) flags treat-as-withdraw.
            Origin = announces ? origin ?? BgpOrigin.Igp : origin,
            AsPath = announces ? path ?? [] : path,
            NextHop = nlri.Count > 0 ? nextHop ?? IPAddress.Parse("192.0.2.1") : nextHop,
            MultiExitDisc = med,
            LocalPref = localPref,
            AtomicAggregate = atomic,
            Communities = communities,
            LargeCommunities = large,
            OriginatorId = originator,
            ClusterList = clusters,
            MpReach = reach,
            MpUnreach = unreach,
            Other = raw.DistinctBy(r => r.TypeCode).ToList(),
        }, nlri.ToList());

    public static readonly Gen<Capability> Capability = Gen.OneOf(
        from v6 in Gen.Elements(false, true) select (Capability)new MultiprotocolCapability(v6 ? BgpFamily.Ipv6Unicast : BgpFamily.Ipv4Unicast),
        Gen.Constant((Capability)RouteRefreshCapability.Instance),
        Asn.Select(n => (Capability)new FourOctetAsCapability(n)),
        from restarting in Gen.Elements(false, true)
        from notification in Gen.Elements(false, true)
        from time in Gen.Choose(0, GracefulRestartCapability.MaxRestartTime)
        from count in Gen.Choose(0, 3)
        from families in (from f in Gen.Elements(BgpFamily.Ipv4Unicast, BgpFamily.Ipv6Unicast) from fp in Gen.Elements(false, true)
                          select new GracefulRestartFamily(f, fp)).ArrayOf(count)
        select (Capability)new GracefulRestartCapability(restarting, notification, (ushort)time, families),
        from code in Gen.Elements<byte>(5, 6, 69, 70, 71, 73, 128) from value in Bytes(12) select (Capability)new UnknownCapability(code, value));

    public static readonly Gen<OpenMessage> Open =
        from @as in Asn
        from hold in Gen.OneOf(Gen.Constant(0), Gen.Choose(3, 0xFFFF))
        from id in Address(false).Where(a => !a.Equals(IPAddress.Any))
        from count in Gen.Choose(0, 8)
        from capabilities in Capability.ArrayOf(count)
        select OpenMessage.Create(@as, (ushort)hold, id, capabilities);

    public static readonly Gen<BgpMessage> Message = Gen.OneOf(
        Open.Select(m => (BgpMessage)m),
        Update.Select(m => (BgpMessage)m),
        from code in Gen.Choose(1, 7) from subcode in Gen.Choose(0, 11) from data in Bytes(40)
        select (BgpMessage)new NotificationMessage((byte)code, (byte)subcode, data),
        Gen.Constant((BgpMessage)KeepaliveMessage.Instance),
        from afi in Gen.Choose(1, 2) from safi in Gen.Choose(1, 2) from subtype in Gen.Choose(0, 2)
        select (BgpMessage)new RouteRefreshMessage((ushort)afi, (byte)safi, (byte)subtype));
}
