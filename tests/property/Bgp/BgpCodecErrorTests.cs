using System.Net;
using CniNet.Bgp.Wire;
using CniNet.Model.Net;
using Xunit;

namespace CniNet.Tests.Property.Bgp;

/// <summary>Each malformation gives the NOTIFICATION RFC 4271 §6 names, or RFC 7606's treat-as-withdraw.</summary>
public sealed class BgpCodecErrorTests
{
    private static readonly UpdateMessage Announce = new([], new PathAttributes
    {
        Origin = BgpOrigin.Igp,
        AsPath = [new AsPathSegment(AsPathSegmentType.Sequence, [64512])],
        NextHop = IPAddress.Parse("10.99.0.1"),
    }, [Cidr.Parse("10.244.1.0/26")]);

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    private static BgpError ErrorOf(byte[] bytes, bool fourOctetAs = true)
    {
        var read = BgpCodec.Read(bytes, fourOctetAs);
        Assert.Equal(BgpReadStatus.Error, read.Status);
        return read.Error!;
    }

    private static UpdateMessage UpdateOf(byte[] bytes)
    {
        var read = BgpCodec.Read(bytes, true);
        Assert.Equal(BgpReadStatus.Message, read.Status);
        return Assert.IsType<UpdateMessage>(read.Message);
    }

    /// <summary>An UPDATE of the announcement with its path attributes replaced by <paramref name="attributes"/>.</summary>
    private static byte[] WithAttributes(string attributes)
    {
        var body = Hex($"0000 {Hex(attributes).Length:x4} {attributes} 1a 0af40100");
        return [.. Hex($"ffffffffffffffffffffffffffffffff {19 + body.Length:x4} 02"), .. body];
    }

    [Fact]
    public void Header_errors_carry_the_bad_field()
    {
        var keepalive = BgpCodec.Encode(KeepaliveMessage.Instance, true);
        keepalive[3] = 0;
        Assert.Equal((1, 1), (ErrorOf(keepalive).Code, ErrorOf(keepalive).Subcode));
        var longKeepalive = Hex("ffffffffffffffffffffffffffffffff 0014 04 00");
        var error = ErrorOf(longKeepalive);
        Assert.Equal((1, 2), (error.Code, error.Subcode));
        Assert.Equal(Hex("0014"), error.Data);
        error = ErrorOf(Hex("ffffffffffffffffffffffffffffffff 0013 09"));
        Assert.Equal((1, 3), (error.Code, error.Subcode));
        Assert.Equal([9], error.Data);
        Assert.Equal((1, 2), (ErrorOf(Hex("ffffffffffffffffffffffffffffffff 1001 02")).Code, ErrorOf(Hex("ffffffffffffffffffffffffffffffff 1001 02")).Subcode));
    }

    [Fact]
    public void Open_errors_name_version_hold_time_and_identifier()
    {
        var open = BgpCodec.Encode(OpenMessage.Create(64512, 90, IPAddress.Parse("10.0.0.1"), []), true);
        var version3 = (byte[])open.Clone();
        version3[19] = 3;
        var error = ErrorOf(version3);
        Assert.Equal((2, 1), (error.Code, error.Subcode));
        Assert.Equal(Hex("0004"), error.Data);
        Assert.Equal((2, 6), Codes(BgpCodec.Encode(OpenMessage.Create(64512, 2, IPAddress.Parse("10.0.0.1"), []), true)));
        Assert.Equal((2, 3), Codes(BgpCodec.Encode(OpenMessage.Create(64512, 90, IPAddress.Any, []), true)));
        var badParameter = Hex("ffffffffffffffffffffffffffffffff 0021 01 04 fc00 005a 0a000001 04 0302 0000");
        Assert.Equal((2, 4), Codes(badParameter));
    }

    private static (int, int) Codes(byte[] bytes)
    {
        var error = ErrorOf(bytes);
        return (error.Code, error.Subcode);
    }

    [Fact]
    public void Bird_style_open_reads_its_capabilities_and_keeps_unknown_ones()
    {
        // MP ipv4, route refresh, GR (restart time 120, ipv4 forwarding preserved), AS4 64512, enhanced RR (70), LLGR (71).
        var caps = "0104 00010001 0200 4006 0078 00010180 4104 0000fc00 4600 4700";
        var parameters = $"02{Hex(caps).Length:x2}{caps}";
        var body = $"04 fc00 00f0 0a630001 {Hex(parameters).Length:x2} {parameters}";
        var open = Assert.IsType<OpenMessage>(BgpCodec.Read(Hex($"ffffffffffffffffffffffffffffffff {19 + Hex(body).Length:x4} 01 {body}"), true).Message);
        Assert.Equal(64512u, open.As);
        Assert.Equal(240, open.HoldTime);
        Assert.True(open.SupportsRouteRefresh);
        Assert.Equal(new GracefulRestartCapability(false, false, 120, [new GracefulRestartFamily(BgpFamily.Ipv4Unicast, true)]), open.GracefulRestart);
        Assert.Equal([70, 71], open.Capabilities.OfType<UnknownCapability>().Select(c => (int)c.Code));
    }

    [Fact]
    public void A_bad_origin_or_missing_next_hop_is_treat_as_withdraw_not_a_reset()
    {
        var badOrigin = UpdateOf(WithAttributes("400101 05 400206 0201 0000fc00 400304 0a630001"));
        Assert.Equal((3, 6), (badOrigin.TreatAsWithdraw!.Code, badOrigin.TreatAsWithdraw.Subcode));
        Assert.Equal([Cidr.Parse("10.244.1.0/26")], badOrigin.Nlri);
        var noNextHop = UpdateOf(WithAttributes("400101 00 400206 0201 0000fc00"));
        Assert.Equal((3, 3), (noNextHop.TreatAsWithdraw!.Code, noNextHop.TreatAsWithdraw.Subcode));
        Assert.Equal([AttributeType.NextHop], noNextHop.TreatAsWithdraw.Data);
        var wrongFlags = UpdateOf(WithAttributes("c00101 00 400206 0201 0000fc00 400304 0a630001"));
        Assert.Equal((3, 4), (wrongFlags.TreatAsWithdraw!.Code, wrongFlags.TreatAsWithdraw.Subcode));
        var badAsPath = UpdateOf(WithAttributes("400101 00 400206 0202 0000fc00 400304 0a630001"));
        Assert.Equal((3, 11), (badAsPath.TreatAsWithdraw!.Code, badAsPath.TreatAsWithdraw.Subcode));
        var shortCommunities = UpdateOf(WithAttributes("400101 00 400206 0201 0000fc00 400304 0a630001 c00803 000000"));
        Assert.Equal((3, 5), (shortCommunities.TreatAsWithdraw!.Code, shortCommunities.TreatAsWithdraw.Subcode));
    }

    [Fact]
    public void Structural_update_errors_reset_the_session()
    {
        Assert.Equal((3, 1), Codes(WithAttributes("400101 00 400209 0201 0000fc00")));
        Assert.Equal((3, 2), Codes(WithAttributes("400101 00 400206 0201 0000fc00 400304 0a630001 406300")));
        var twoReaches = "800e09 0001 01 04 0a630001 00 800e09 0001 01 04 0a630001 00";
        Assert.Equal((3, 1), Codes(WithAttributes($"400101 00 400206 0201 0000fc00 {twoReaches}")));
        Assert.Equal((3, 9), Codes(WithAttributes("400101 00 400206 0201 0000fc00 800e0a 0002 01 06 000000000000 00")));
        var badPrefix = BgpCodec.Encode(Announce, true);
        badPrefix[^5] = 33;
        Assert.Equal((3, 10), Codes(badPrefix));
    }

    [Fact]
    public void Duplicate_attributes_other_than_mp_keep_the_first()
    {
        var update = UpdateOf(WithAttributes("400101 00 400101 02 400206 0201 0000fc00 400304 0a630001"));
        Assert.Null(update.TreatAsWithdraw);
        Assert.Equal(BgpOrigin.Igp, update.Attributes.Origin);
    }

    [Fact]
    public void Unknown_optional_transitive_attributes_are_kept_and_marked_partial_when_passed_on()
    {
        var update = UpdateOf(WithAttributes("400101 00 400206 0201 0000fc00 400304 0a630001 c0c803 abcdef 80c901 01"));
        Assert.Null(update.TreatAsWithdraw);
        Assert.Equal(2, update.Attributes.Other.Count);
        var passed = Assert.Single(update.Attributes.ForPropagation().Other);
        Assert.Equal(new RawAttribute(0xE0, 200, Hex("abcdef")), passed);
    }

    [Fact]
    public void A_2_octet_peer_sees_AS_TRANS_and_the_real_path_in_AS4_PATH()
    {
        var update = Announce with { Attributes = Announce.Attributes with { AsPath = [new AsPathSegment(AsPathSegmentType.Sequence, [65536, 64512])] } };
        var bytes = BgpCodec.Encode(update, fourOctetAs: false);
        Assert.Contains("4002060202" + "5ba0fc00", Convert.ToHexString(bytes).ToLowerInvariant());
        Assert.Contains("c0110a0202" + "0001000000" + "00fc00", Convert.ToHexString(bytes).ToLowerInvariant());
        Assert.Equal(update, BgpCodec.Read(bytes, fourOctetAs: false).Message);
    }

    [Fact]
    public void Ipv6_next_hops_of_16_and_32_bytes_read_with_the_link_local_apart()
    {
        var global = IPAddress.Parse("fd00:99::1");
        var linkLocal = IPAddress.Parse("fe80::1");
        foreach (var ll in new[] { null, linkLocal })
        {
            var update = new UpdateMessage([], Announce.Attributes with
            {
                NextHop = null,
                MpReach = new MpReach(BgpFamily.Ipv6Unicast, global, ll, [Cidr.Parse("fd00:244:1::/122")]),
            }, []);
            var read = Assert.IsType<UpdateMessage>(BgpCodec.Read(BgpCodec.Encode(update, true), true).Message);
            Assert.Null(read.TreatAsWithdraw);
            Assert.Equal(global, read.Attributes.MpReach!.NextHop);
            Assert.Equal(ll, read.Attributes.MpReach.LinkLocalNextHop);
        }
    }

    [Fact]
    public void End_of_rib_markers_are_recognised_per_family()
    {
        Assert.Equal(BgpFamily.Ipv4Unicast, UpdateMessage.EndOfRibFor(BgpFamily.Ipv4Unicast).EndOfRib);
        var v6 = Assert.IsType<UpdateMessage>(BgpCodec.Read(BgpCodec.Encode(UpdateMessage.EndOfRibFor(BgpFamily.Ipv6Unicast), true), true).Message);
        Assert.Equal(BgpFamily.Ipv6Unicast, v6.EndOfRib);
        Assert.Null(Announce.EndOfRib);
    }
}
