using System.Net;
using System.Net.NetworkInformation;
using System.Text;

namespace CniNet.Linux.Netlink;

/// <summary>Typed views of one attribute's value; a value of the wrong size is reported, never read past.</summary>
internal static class NetlinkAttribute
{
    public static bool TryReadUInt8(ReadOnlySpan<byte> value, out byte result)
    {
        result = value.Length == 1 ? value[0] : default;
        return value.Length == 1;
    }

    public static bool TryReadUInt32(ReadOnlySpan<byte> value, out uint result)
    {
        result = value.Length == 4 ? HostOrder.ReadUInt32(value) : default;
        return value.Length == 4;
    }

    /// <summary>The text up to the first NUL (the kernel sends strings NUL-terminated; the NUL is optional here).</summary>
    public static string ReadString(ReadOnlySpan<byte> value)
    {
        var end = value.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? value : value[..end]);
    }

    /// <summary>An address of the message's family: 4 bytes for AF_INET, 16 for AF_INET6.</summary>
    public static bool TryReadAddress(ReadOnlySpan<byte> value, byte family, out IPAddress address)
    {
        var expected = family switch { Uapi.AF_INET => 4, Uapi.AF_INET6 => 16, _ => -1 };
        address = value.Length == expected ? new IPAddress(value) : IPAddress.None;
        return value.Length == expected;
    }

    /// <summary>A hardware address of any length (6 bytes for Ethernet, 0 for devices without one).</summary>
    public static PhysicalAddress ReadMac(ReadOnlySpan<byte> value) => new(value.ToArray());
}
