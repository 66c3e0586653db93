using System.Buffers.Binary;
using System.Net;
using CniNet.Model.Net;

namespace CniNet.Bgp.Wire;

/// <summary>
/// The UPDATE body (RFC 4271 §4.3) with RFC 7606's error handling: errors that leave the message's structure intact
/// mark it treat-as-withdraw or drop the attribute; only errors that make the prefixes unlocatable end the session.
/// </summary>
internal static class UpdateCodec
{
    public static (BgpMessage?, BgpError?) Read(ReadOnlySpan<byte> body, bool fourOctetAs)
    {
        var reader = new SpanReader(body);
        reader.TryUInt16(out var withdrawnLength);
        if (!reader.TrySlice(withdrawnLength, out var withdrawnField) || !reader.TryUInt16(out var attributesLength)
            || !reader.TrySlice(attributesLength, out var attributesField))
            return Reset(BgpErrorCode.UpdateMalformedAttributeList, [], "the withdrawn routes or path attribute length overruns the message");
        var withdrawn = new List<Cidr>();
        var nlri = new List<Cidr>();
        if (!PrefixCodec.TryRead(withdrawnField, false, withdrawn) || !PrefixCodec.TryRead(reader.Rest(), false, nlri))
            return Reset(BgpErrorCode.UpdateInvalidNetwork, [], "a prefix is longer than 32 bits or overruns its field");
        var state = new AttributeState(fourOctetAs);
        var attributes = new SpanReader(attributesField);
        while (attributes.Remaining > 0)
        {
            var start = attributes.Position;
            if (!attributes.TryByte(out var flags) || !attributes.TryByte(out var type))
                return Reset(BgpErrorCode.UpdateMalformedAttributeList, [], "a path attribute header is cut short");
            ushort length;
            if ((flags & AttributeFlags.ExtendedLength) != 0 ? !attributes.TryUInt16(out length) : !TryByteLength(ref attributes, out length))
                return Reset(BgpErrorCode.UpdateMalformedAttributeList, [], "a path attribute header is cut short");
            if (!attributes.TrySlice(length, out var value))
                return Reset(BgpErrorCode.UpdateMalformedAttributeList, [], $"attribute {type} of {length} bytes overruns the path attributes");
            var whole = attributesField[start..attributes.Position];
            if (!state.Seen.Add(type))
            {
                if (type is AttributeType.MpReachNlri or AttributeType.MpUnreachNlri)
                    return Reset(BgpErrorCode.UpdateMalformedAttributeList, [], $"attribute {type} appears twice");
                continue;
            }
            if (state.Read(flags, type, value, whole) is { } fatal) return (null, fatal);
        }
        return (state.Finish(withdrawn, nlri), null);
    }

    public static void Write(WireWriter writer, UpdateMessage update, bool fourOctetAs)
    {
        var withdrawnAt = writer.Reserve(2);
        foreach (var prefix in update.Withdrawn) PrefixCodec.Write(writer, prefix);
        writer.PatchUInt16(withdrawnAt, (ushort)(writer.Length - withdrawnAt - 2));
        var attributesAt = writer.Reserve(2);
        WriteAttributes(writer, update.Attributes, fourOctetAs);
        writer.PatchUInt16(attributesAt, (ushort)(writer.Length - attributesAt - 2));
        foreach (var prefix in update.Nlri) PrefixCodec.Write(writer, prefix);
    }

    private static bool TryByteLength(ref SpanReader reader, out ushort length)
    {
        var ok = reader.TryByte(out var b);
        length = b;
        return ok;
    }

    private static void WriteAttributes(WireWriter writer, PathAttributes a, bool fourOctetAs)
    {
        if (a.Origin is { } origin) Attribute(writer, AttributeFlags.WellKnown, AttributeType.Origin, w => w.Byte((byte)origin));
        if (a.AsPath is { } path) Attribute(writer, AttributeFlags.WellKnown, AttributeType.AsPath, w => WriteAsPath(w, path, fourOctetAs, as4Path: false));
        if (a.NextHop is { } nextHop) Attribute(writer, AttributeFlags.WellKnown, AttributeType.NextHop, w => BgpCodec.WriteAddress(w, nextHop));
        if (a.MultiExitDisc is { } med) Attribute(writer, AttributeFlags.OptionalNonTransitive, AttributeType.MultiExitDisc, w => w.UInt32(med));
        if (a.LocalPref is { } localPref) Attribute(writer, AttributeFlags.WellKnown, AttributeType.LocalPref, w => w.UInt32(localPref));
        if (a.AtomicAggregate) Attribute(writer, AttributeFlags.WellKnown, AttributeType.AtomicAggregate, _ => { });
        if (a.Communities.Count > 0)
            Attribute(writer, AttributeFlags.OptionalTransitive, AttributeType.Communities, w => { foreach (var c in a.Communities) w.UInt32(c); });
        if (a.OriginatorId is { } originator) Attribute(writer, AttributeFlags.OptionalNonTransitive, AttributeType.OriginatorId, w => BgpCodec.WriteAddress(w, originator));
        if (a.ClusterList.Count > 0)
            Attribute(writer, AttributeFlags.OptionalNonTransitive, AttributeType.ClusterList, w => { foreach (var c in a.ClusterList) w.UInt32(c); });
        if (a.MpReach is { } reach) Attribute(writer, AttributeFlags.OptionalNonTransitive, AttributeType.MpReachNlri, w => WriteMpReach(w, reach));
        if (a.MpUnreach is { } unreach)
            Attribute(writer, AttributeFlags.OptionalNonTransitive, AttributeType.MpUnreachNlri, w =>
            {
                w.UInt16(unreach.Family.Afi);
                w.Byte(unreach.Family.Safi);
                foreach (var prefix in unreach.Withdrawn) PrefixCodec.Write(w, prefix);
            });
        // A 2-octet peer sees AS_TRANS for big AS numbers in AS_PATH and the real path in AS4_PATH (RFC 6793 §4.2.2).
        if (!fourOctetAs && a.AsPath is { } bigPath && bigPath.Any(s => s.Asns.Any(n => n > ushort.MaxValue)))
            Attribute(writer, AttributeFlags.OptionalTransitive, AttributeType.As4Path, w => WriteAsPath(w, bigPath, fourOctetAs: true, as4Path: true));
        if (a.LargeCommunities.Count > 0)
            Attribute(writer, AttributeFlags.OptionalTransitive, AttributeType.LargeCommunities, w =>
            {
                foreach (var c in a.LargeCommunities)
                {
                    w.UInt32(c.GlobalAdministrator);
                    w.UInt32(c.LocalData1);
                    w.UInt32(c.LocalData2);
                }
            });
        foreach (var raw in a.Other) Attribute(writer, raw.Flags, raw.TypeCode, w => w.Bytes(raw.Value));
    }

    /// <summary>Writes one attribute, switching to a two-octet length when the value needs it (or the flags already asked for one).</summary>
    private static void Attribute(WireWriter writer, byte flags, byte type, Action<WireWriter> value)
    {
        var flagsAt = writer.Length;
        writer.Byte(flags);
        writer.Byte(type);
        var lengthAt = writer.Reserve(1);
        var start = writer.Length;
        value(writer);
        var length = writer.Length - start;
        if (length > byte.MaxValue || (flags & AttributeFlags.ExtendedLength) != 0)
        {
            writer.Insert(start, 1);
            writer.PatchByte(flagsAt, (byte)(flags | AttributeFlags.ExtendedLength));
            writer.PatchUInt16(lengthAt, (ushort)length);
        }
        else
        {
            writer.PatchByte(lengthAt, (byte)length);
        }
    }

    private static void WriteAsPath(WireWriter writer, IReadOnlyList<AsPathSegment> path, bool fourOctetAs, bool as4Path)
    {
        foreach (var segment in path)
        {
            if (as4Path && segment.Type is AsPathSegmentType.ConfedSequence or AsPathSegmentType.ConfedSet) continue;
            foreach (var chunk in segment.Asns.Chunk(AsPathSegment.MaxLength))
            {
                writer.Byte((byte)segment.Type);
                writer.Byte((byte)chunk.Length);
                foreach (var n in chunk)
                {
                    if (fourOctetAs) writer.UInt32(n);
                    else writer.UInt16(n > ushort.MaxValue ? OpenMessage.AsTrans : (ushort)n);
                }
            }
        }
    }

    private static void WriteMpReach(WireWriter writer, MpReach reach)
    {
        writer.UInt16(reach.Family.Afi);
        writer.Byte(reach.Family.Safi);
        var lengthAt = writer.Reserve(1);
        BgpCodec.WriteAddress(writer, reach.NextHop);
        if (reach.LinkLocalNextHop is { } linkLocal) BgpCodec.WriteAddress(writer, linkLocal);
        writer.PatchByte(lengthAt, (byte)(writer.Length - lengthAt - 1));
        writer.Byte(0);
        foreach (var prefix in reach.Nlri) PrefixCodec.Write(writer, prefix);
    }

    private static (BgpMessage?, BgpError?) Reset(byte subcode, byte[] data, string reason) =>
        (null, BgpError.Of(BgpErrorCode.Update, subcode, data, reason));

    /// <summary>What the attribute loop has found so far, and the first treat-as-withdraw error.</summary>
    private sealed class AttributeState(bool fourOctetAs)
    {
        private PathAttributes _a = PathAttributes.Empty;
        private IReadOnlyList<AsPathSegment>? _as4Path;
        private readonly List<RawAttribute> _other = [];
        private BgpError? _withdraw;

        public HashSet<byte> Seen { get; } = [];

        /// <summary>Interprets one attribute; returns an error only when the session must be reset.</summary>
        public BgpError? Read(byte flags, byte type, ReadOnlySpan<byte> value, ReadOnlySpan<byte> whole)
        {
            switch (type)
            {
                case AttributeType.Origin:
                    if (!Category(flags, AttributeFlags.WellKnown, whole) || !Length(value.Length == 1, whole)) return null;
                    if (value[0] > (byte)BgpOrigin.Incomplete) Withdraw(BgpErrorCode.UpdateInvalidOrigin, whole, $"ORIGIN {value[0]} is not 0, 1 or 2");
                    else _a = _a with { Origin = (BgpOrigin)value[0] };
                    return null;
                case AttributeType.AsPath:
                    if (!Category(flags, AttributeFlags.WellKnown, whole)) return null;
                    if (ReadAsPath(value, fourOctetAs) is { } path) _a = _a with { AsPath = path };
                    else Withdraw(BgpErrorCode.UpdateMalformedAsPath, [], "AS_PATH segments are malformed");
                    return null;
                case AttributeType.NextHop:
                    if (Category(flags, AttributeFlags.WellKnown, whole) && Length(value.Length == 4, whole)) _a = _a with { NextHop = new IPAddress(value) };
                    return null;
                case AttributeType.MultiExitDisc:
                    if (Category(flags, AttributeFlags.OptionalNonTransitive, whole) && Length(value.Length == 4, whole))
                        _a = _a with { MultiExitDisc = BinaryPrimitives.ReadUInt32BigEndian(value) };
                    return null;
                case AttributeType.LocalPref:
                    if (Category(flags, AttributeFlags.WellKnown, whole) && Length(value.Length == 4, whole))
                        _a = _a with { LocalPref = BinaryPrimitives.ReadUInt32BigEndian(value) };
                    return null;
                case AttributeType.AtomicAggregate:
                    // RFC 7606 §7.6: a malformed ATOMIC_AGGREGATE is discarded, the route kept.
                    if ((flags & AttributeFlags.Category) == AttributeFlags.WellKnown && value.Length == 0) _a = _a with { AtomicAggregate = true };
                    return null;
                case AttributeType.Communities:
                    if (Category(flags, AttributeFlags.OptionalTransitive, whole) && Length(value.Length % 4 == 0, whole))
                        _a = _a with { Communities = UInt32s(value) };
                    return null;
                case AttributeType.OriginatorId:
                    if (Category(flags, AttributeFlags.OptionalNonTransitive, whole) && Length(value.Length == 4, whole))
                        _a = _a with { OriginatorId = new IPAddress(value) };
                    return null;
                case AttributeType.ClusterList:
                    if (Category(flags, AttributeFlags.OptionalNonTransitive, whole) && Length(value.Length % 4 == 0 && value.Length > 0, whole))
                        _a = _a with { ClusterList = UInt32s(value) };
                    return null;
                case AttributeType.LargeCommunities:
                    if (Category(flags, AttributeFlags.OptionalTransitive, whole) && Length(value.Length % 12 == 0 && value.Length > 0, whole))
                        _a = _a with { LargeCommunities = LargeCommunities(value) };
                    return null;
                case AttributeType.MpReachNlri:
                    return ReadMpReach(flags, value, whole);
                case AttributeType.MpUnreachNlri:
                    return ReadMpUnreach(flags, value, whole);
                case AttributeType.As4Path:
                    // RFC 6793 §4.1 and §6: a 4-octet peer's AS4_PATH, or a malformed one, is discarded.
                    if (!fourOctetAs && (flags & AttributeFlags.Category) == AttributeFlags.OptionalTransitive) _as4Path = ReadAsPath(value, true);
                    return null;
                default:
                    if ((flags & AttributeFlags.Optional) == 0)
                        return BgpError.Of(BgpErrorCode.Update, BgpErrorCode.UpdateUnrecognizedWellKnown, whole, $"attribute {type} is unknown but flagged well-known");
                    _other.Add(new RawAttribute((byte)(flags & ~AttributeFlags.ExtendedLength), type, value.ToArray()));
                    return null;
            }
        }

        public UpdateMessage Finish(List<Cidr> withdrawn, List<Cidr> nlri)
        {
            if (_as4Path is not null && _a.AsPath is { } path) _a = _a with { AsPath = Merge(path, _as4Path) };
            if (nlri.Count > 0 || _a.MpReach is not null)
            {
                if (_a.Origin is null) Withdraw(BgpErrorCode.UpdateMissingWellKnown, [AttributeType.Origin], "ORIGIN is missing");
                else if (_a.AsPath is null) Withdraw(BgpErrorCode.UpdateMissingWellKnown, [AttributeType.AsPath], "AS_PATH is missing");
                else if (nlri.Count > 0 && _a.NextHop is null) Withdraw(BgpErrorCode.UpdateMissingWellKnown, [AttributeType.NextHop], "NEXT_HOP is missing");
            }
            return new UpdateMessage(withdrawn, _a with { Other = _other }, nlri) { TreatAsWithdraw = _withdraw };
        }

        private BgpError? ReadMpReach(byte flags, ReadOnlySpan<byte> value, ReadOnlySpan<byte> whole)
        {
            var reader = new SpanReader(value);
            if (!reader.TryUInt16(out var afi) || !reader.TryByte(out var safi) || !reader.TryByte(out var nextHopLength)
                || !reader.TrySlice(nextHopLength, out var nextHop) || !reader.TryByte(out _))
                return MpError(whole, "MP_REACH_NLRI is cut short");
            var family = new BgpFamily(afi, safi);
            if (!family.IsKnown)
            {
                _other.Add(new RawAttribute((byte)(flags & ~AttributeFlags.ExtendedLength), AttributeType.MpReachNlri, value.ToArray()));
                return null;
            }
            if (family.IsV6 ? nextHopLength is not (16 or 32) : nextHopLength != 4)
                return MpError(whole, $"a next hop of {nextHopLength} bytes for {family}");
            var prefixes = new List<Cidr>();
            if (!PrefixCodec.TryRead(reader.Rest(), family.IsV6, prefixes))
                return BgpError.Of(BgpErrorCode.Update, BgpErrorCode.UpdateInvalidNetwork, [], "an MP_REACH_NLRI prefix is malformed");
            var linkLocal = nextHopLength == 32 ? new IPAddress(nextHop[16..]) : null;
            _a = _a with { MpReach = new MpReach(family, new IPAddress(nextHop[..(family.IsV6 ? 16 : 4)]), linkLocal, prefixes) };
            return null;
        }

        private BgpError? ReadMpUnreach(byte flags, ReadOnlySpan<byte> value, ReadOnlySpan<byte> whole)
        {
            var reader = new SpanReader(value);
            if (!reader.TryUInt16(out var afi) || !reader.TryByte(out var safi)) return MpError(whole, "MP_UNREACH_NLRI is cut short");
            var family = new BgpFamily(afi, safi);
            if (!family.IsKnown)
            {
                _other.Add(new RawAttribute((byte)(flags & ~AttributeFlags.ExtendedLength), AttributeType.MpUnreachNlri, value.ToArray()));
                return null;
            }
            var prefixes = new List<Cidr>();
            if (!PrefixCodec.TryRead(reader.Rest(), family.IsV6, prefixes))
                return BgpError.Of(BgpErrorCode.Update, BgpErrorCode.UpdateInvalidNetwork, [], "an MP_UNREACH_NLRI prefix is malformed");
            _a = _a with { MpUnreach = new MpUnreach(family, prefixes) };
            return null;
        }

        /// <summary>RFC 7606 §7.11 and §7.12: the prefixes of a malformed MP attribute cannot be trusted, so the session is reset.</summary>
        private static BgpError MpError(ReadOnlySpan<byte> whole, string reason) =>
            BgpError.Of(BgpErrorCode.Update, BgpErrorCode.UpdateOptionalAttribute, whole, reason);

        private bool Category(byte flags, byte expected, ReadOnlySpan<byte> whole)
        {
            if ((flags & AttributeFlags.Category) == expected) return true;
            Withdraw(BgpErrorCode.UpdateAttributeFlags, whole, $"attribute {whole[1]} has flags 0x{flags:x2}");
            return false;
        }

        private bool Length(bool ok, ReadOnlySpan<byte> whole)
        {
            if (!ok) Withdraw(BgpErrorCode.UpdateAttributeLength, whole, $"attribute {whole[1]} has a wrong length");
            return ok;
        }

        private void Withdraw(byte subcode, ReadOnlySpan<byte> data, string reason) =>
            _withdraw ??= BgpError.Of(BgpErrorCode.Update, subcode, data, reason);

        private static List<uint> UInt32s(ReadOnlySpan<byte> value)
        {
            var list = new List<uint>(value.Length / 4);
            for (var i = 0; i + 4 <= value.Length; i += 4) list.Add(BinaryPrimitives.ReadUInt32BigEndian(value[i..]));
            return list;
        }

        private static List<LargeCommunity> LargeCommunities(ReadOnlySpan<byte> value)
        {
            var words = UInt32s(value);
            var list = new List<LargeCommunity>(words.Count / 3);
            for (var i = 0; i + 3 <= words.Count; i += 3) list.Add(new LargeCommunity(words[i], words[i + 1], words[i + 2]));
            return list;
        }

        /// <summary>Null when a segment has a bad type, is empty, or overruns (RFC 7606 §7.2).</summary>
        private static List<AsPathSegment>? ReadAsPath(ReadOnlySpan<byte> value, bool fourOctets)
        {
            var reader = new SpanReader(value);
            var path = new List<AsPathSegment>();
            var width = fourOctets ? 4 : 2;
            while (reader.Remaining > 0)
            {
                reader.TryByte(out var type);
                if (!reader.TryByte(out var count) || count == 0 || type is < 1 or > 4 || !reader.TrySlice(count * width, out var asns)) return null;
                var list = new uint[count];
                for (var i = 0; i < count; i++)
                    list[i] = fourOctets ? BinaryPrimitives.ReadUInt32BigEndian(asns[(i * 4)..]) : BinaryPrimitives.ReadUInt16BigEndian(asns[(i * 2)..]);
                path.Add(new AsPathSegment((AsPathSegmentType)type, list));
            }
            return path;
        }

        /// <summary>
        /// RFC 6793 §4.2.3: the AS_PATH's leading AS numbers that AS4_PATH does not cover (added by 2-octet speakers),
        /// then AS4_PATH; AS4_PATH is ignored when it is longer than AS_PATH.
        /// </summary>
        private static IReadOnlyList<AsPathSegment> Merge(IReadOnlyList<AsPathSegment> asPath, IReadOnlyList<AsPathSegment> as4Path)
        {
            var need = asPath.Sum(s => s.PathLength) - as4Path.Sum(s => s.PathLength);
            if (need < 0) return asPath;
            var merged = new List<AsPathSegment>();
            foreach (var segment in asPath)
            {
                if (need == 0) break;
                if (segment.Type == AsPathSegmentType.Sequence)
                {
                    var take = Math.Min(need, segment.Asns.Count);
                    merged.Add(segment with { Asns = segment.Asns.Take(take).ToArray() });
                    need -= take;
                }
                else
                {
                    merged.Add(segment);
                    need -= segment.PathLength;
                }
            }
            merged.AddRange(as4Path);
            return merged;
        }
    }
}
