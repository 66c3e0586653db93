using System.Buffers.Binary;
using System.Net;

namespace CniNet.Bgp.Wire;

/// <summary>The OPEN body and its capabilities (RFC 4271 §4.2, RFC 5492).</summary>
internal static class OpenCodec
{
    private const byte CapabilitiesParameter = 2;

    public static (BgpMessage?, BgpError?) Read(ReadOnlySpan<byte> body)
    {
        var reader = new SpanReader(body);
        reader.TryByte(out var version);
        reader.TryUInt16(out var myAs);
        reader.TryUInt16(out var holdTime);
        reader.TrySlice(4, out var id);
        reader.TryByte(out var parametersLength);
        if (version != 4)
            return Fail(BgpErrorCode.OpenUnsupportedVersion, [0, 4], $"BGP version {version} is not 4");
        if (holdTime is 1 or 2)
            return Fail(BgpErrorCode.OpenUnacceptableHoldTime, [], $"hold time {holdTime} s is below 3 s");
        if (BinaryPrimitives.ReadUInt32BigEndian(id) == 0)
            return Fail(BgpErrorCode.OpenBadBgpIdentifier, [], "the BGP identifier is 0.0.0.0");
        if (!reader.TrySlice(parametersLength, out var parameters) || reader.Remaining != 0)
            return (null, BgpError.Of(BgpErrorCode.MessageHeader, BgpErrorCode.HeaderBadLength,
                [(byte)((body.Length + BgpCodec.HeaderLength) >> 8), (byte)(body.Length + BgpCodec.HeaderLength)],
                $"optional parameters length {parametersLength} does not match the message"));
        var capabilities = new List<Capability>();
        var parameterReader = new SpanReader(parameters);
        while (parameterReader.Remaining > 0)
        {
            if (!parameterReader.TryByte(out var type) || !parameterReader.TryByte(out var length) || !parameterReader.TrySlice(length, out var value))
                return Fail(0, [], "an optional parameter runs past the parameters");
            if (type != CapabilitiesParameter)
                return Fail(BgpErrorCode.OpenUnsupportedOptionalParameter, [], $"optional parameter type {type} is not capabilities");
            var capabilityReader = new SpanReader(value);
            while (capabilityReader.Remaining > 0)
            {
                if (!capabilityReader.TryByte(out var code) || !capabilityReader.TryByte(out var capabilityLength)
                    || !capabilityReader.TrySlice(capabilityLength, out var capabilityValue))
                    return Fail(0, [], "a capability runs past its parameter");
                capabilities.Add(ReadCapability(code, capabilityValue));
            }
        }
        return (new OpenMessage(version, myAs, holdTime, new IPAddress(id), capabilities), null);
    }

    public static void Write(WireWriter writer, OpenMessage open)
    {
        writer.Byte(open.Version);
        writer.UInt16(open.MyAs);
        writer.UInt16(open.HoldTime);
        BgpCodec.WriteAddress(writer, open.BgpIdentifier);
        var parametersLengthAt = writer.Reserve(1);
        var parametersStart = writer.Length;
        if (open.Capabilities.Count > 0)
        {
            writer.Byte(CapabilitiesParameter);
            var lengthAt = writer.Reserve(1);
            var start = writer.Length;
            foreach (var capability in open.Capabilities) WriteCapability(writer, capability);
            writer.PatchByte(lengthAt, Checked(writer.Length - start));
        }
        writer.PatchByte(parametersLengthAt, Checked(writer.Length - parametersStart));
    }

    /// <summary>A capability whose value does not have its defined shape is kept as unknown: RFC 5492 lets it be ignored, which keeps sessions up with odd peers.</summary>
    private static Capability ReadCapability(byte code, ReadOnlySpan<byte> value)
    {
        var reader = new SpanReader(value);
        switch (code)
        {
            case Capability.MultiprotocolCode when value.Length == 4:
                reader.TryUInt16(out var afi);
                reader.TryByte(out _);
                reader.TryByte(out var safi);
                return new MultiprotocolCapability(new BgpFamily(afi, safi));
            case Capability.RouteRefreshCode when value.Length == 0:
                return RouteRefreshCapability.Instance;
            case Capability.FourOctetAsCode when value.Length == 4:
                return new FourOctetAsCapability(BinaryPrimitives.ReadUInt32BigEndian(value));
            case Capability.GracefulRestartCode when value.Length >= 2 && (value.Length - 2) % 4 == 0:
                reader.TryUInt16(out var header);
                var families = new List<GracefulRestartFamily>();
                while (reader.TryUInt16(out var grAfi) && reader.TryByte(out var grSafi) && reader.TryByte(out var flags))
                    families.Add(new GracefulRestartFamily(new BgpFamily(grAfi, grSafi), (flags & 0x80) != 0));
                return new GracefulRestartCapability((header & 0x8000) != 0, (header & 0x4000) != 0, (ushort)(header & 0x0FFF), families);
            default:
                return new UnknownCapability(code, value.ToArray());
        }
    }

    private static void WriteCapability(WireWriter writer, Capability capability)
    {
        writer.Byte(capability.Code);
        var lengthAt = writer.Reserve(1);
        var start = writer.Length;
        switch (capability)
        {
            case MultiprotocolCapability mp:
                writer.UInt16(mp.Family.Afi);
                writer.Byte(0);
                writer.Byte(mp.Family.Safi);
                break;
            case FourOctetAsCapability as4:
                writer.UInt32(as4.As);
                break;
            case GracefulRestartCapability gr:
                writer.UInt16((ushort)((gr.Restarting ? 0x8000 : 0) | (gr.Notification ? 0x4000 : 0) | (gr.RestartTime & 0x0FFF)));
                foreach (var family in gr.Families)
                {
                    writer.UInt16(family.Family.Afi);
                    writer.Byte(family.Family.Safi);
                    writer.Byte(family.ForwardingPreserved ? (byte)0x80 : (byte)0);
                }
                break;
            case UnknownCapability unknown:
                writer.Bytes(unknown.Value);
                break;
        }
        writer.PatchByte(lengthAt, Checked(writer.Length - start));
    }

    private static byte Checked(int length) =>
        length <= byte.MaxValue ? (byte)length : throw new ArgumentException($"OPEN capabilities of {length} bytes do not fit a one-byte length");

    private static (BgpMessage?, BgpError?) Fail(byte subcode, byte[] data, string reason) => (null, BgpError.Of(BgpErrorCode.Open, subcode, data, reason));
}
