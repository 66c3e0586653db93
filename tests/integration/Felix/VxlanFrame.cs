using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// A VXLAN datagram's payload built by hand (RFC 7348 §5): the 8-byte VXLAN header, then an Ethernet frame holding an
/// IPv4 packet holding one UDP datagram. What a node's VTEP would send, so a test can send it from any address.
/// </summary>
public static class VxlanFrame
{
    public static byte[] Udp(uint vni, PhysicalAddress sourceMac, PhysicalAddress destinationMac, IPEndPoint source, IPEndPoint destination, byte[] payload)
    {
        const int vxlan = 8, ethernet = 14, ip = 20, udp = 8;
        var frame = new byte[vxlan + ethernet + ip + udp + payload.Length];
        var span = frame.AsSpan();
        span[0] = 0x08; // I flag: the VNI is valid.
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], vni << 8);

        var eth = span[vxlan..];
        destinationMac.GetAddressBytes().CopyTo(eth);
        sourceMac.GetAddressBytes().CopyTo(eth[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(eth[12..], 0x0800);

        var header = eth[ethernet..];
        header[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(ip + udp + payload.Length));
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], 0x4000); // DF
        header[8] = 64;
        header[9] = 17;
        source.Address.TryWriteBytes(header[12..], out _);
        destination.Address.TryWriteBytes(header[16..], out _);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], Checksum(header[..ip]));

        var datagram = header[ip..];
        BinaryPrimitives.WriteUInt16BigEndian(datagram, (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[2..], (ushort)destination.Port);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[4..], (ushort)(udp + payload.Length));
        // A UDP checksum of 0 means "none", which IPv4 allows.
        payload.CopyTo(datagram[udp..]);
        return frame;
    }

    /// <summary>The Internet checksum (RFC 1071) of an IPv4 header whose checksum field is zero.</summary>
    private static ushort Checksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (var i = 0; i < header.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
