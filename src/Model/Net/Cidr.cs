using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace CniNet.Model.Net;

/// <summary>
/// An IPv4 or IPv6 network as a value: the address held as a 128-bit integer so block and ordinal arithmetic is
/// plain integer arithmetic for both families.
/// </summary>
public readonly record struct Cidr(UInt128 Address, int PrefixLength, bool IsV6) : IComparable<Cidr>
{
    public int Bits => IsV6 ? 128 : 32;

    public int Family => IsV6 ? 6 : 4;

    public int HostBits => Bits - PrefixLength;

    /// <summary>Number of addresses, saturated for the whole IPv6 space.</summary>
    public UInt128 Size => HostBits >= 128 ? UInt128.MaxValue : UInt128.One << HostBits;

    public UInt128 Mask => HostBits >= 128 ? UInt128.Zero : (AllOnes << HostBits) & AllOnes;

    public bool IsMasked => (Address & ~Mask) == UInt128.Zero;

    public Cidr Masked() => this with { Address = Address & Mask };

    public UInt128 Last => Address | (~Mask & AllOnes);

    private UInt128 AllOnes => IsV6 ? UInt128.MaxValue : uint.MaxValue;

    public bool Contains(UInt128 address, bool isV6) => isV6 == IsV6 && (address & Mask) == (Address & Mask);

    public bool Contains(IPAddress address) => Contains(ToInteger(address), address.AddressFamily == AddressFamily.InterNetworkV6);

    public bool Contains(Cidr other) => other.IsV6 == IsV6 && other.PrefixLength >= PrefixLength && Contains(other.Address, other.IsV6);

    public bool Overlaps(Cidr other) => Contains(other) || other.Contains(this);

    public IPAddress AddressAt(UInt128 offset) => ToAddress(Address + offset, IsV6);

    public UInt128 OffsetOf(IPAddress address) => ToInteger(address) - Address;

    /// <summary>The network of the given prefix length (≥ this one) that contains <paramref name="address"/>.</summary>
    public static Cidr Containing(IPAddress address, int prefixLength)
    {
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        return new Cidr(ToInteger(address), prefixLength, v6).Masked();
    }

    /// <summary>The single address as a /32 or /128.</summary>
    public static Cidr Host(IPAddress address)
    {
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        return new Cidr(ToInteger(address), v6 ? 128 : 32, v6);
    }

    public IPAddress NetworkAddress => ToAddress(Address, IsV6);

    public override string ToString() => $"{ToAddress(Address, IsV6)}/{PrefixLength}";

    /// <summary>Name of the Kubernetes object for a CIDR, as Calico derives it: '.', ':' and '/' become '-'.</summary>
    public string ToResourceName() => ToString().Replace('.', '-').Replace(':', '-').Replace('/', '-');

    public int CompareTo(Cidr other)
    {
        var c = IsV6.CompareTo(other.IsV6);
        if (c != 0) return c;
        c = Address.CompareTo(other.Address);
        return c != 0 ? c : PrefixLength.CompareTo(other.PrefixLength);
    }

    public static Cidr Parse(string text) =>
        TryParse(text, out var cidr, out var error) ? cidr : throw new FormatException(error);

    /// <summary>Parses <c>addr/len</c>, or a bare address as a host network (/32 or /128).</summary>
    public static bool TryParse(string? text, out Cidr cidr, [NotNullWhen(false)] out string? error)
    {
        cidr = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty CIDR";
            return false;
        }
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address) || addressText.Contains('%'))
        {
            error = $"invalid CIDR \"{text}\": \"{addressText}\" is not an IP address";
            return false;
        }
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        if (!v6 && addressText.Count(c => c == '.') != 3)
        {
            error = $"invalid CIDR \"{text}\": \"{addressText}\" is not a dotted-quad IPv4 address";
            return false;
        }
        var bits = v6 ? 128 : 32;
        var prefix = bits;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out prefix) || prefix > bits))
        {
            error = $"invalid CIDR \"{text}\": prefix length must be 0-{bits}";
            return false;
        }
        cidr = new Cidr(ToInteger(address), prefix, v6);
        error = null;
        return true;
    }

    public static UInt128 ToInteger(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return written == 4
            ? BinaryPrimitives.ReadUInt32BigEndian(bytes)
            : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    public static IPAddress ToAddress(UInt128 value, bool isV6)
    {
        if (!isV6) return new IPAddress(BinaryPrimitives.ReverseEndianness((uint)value));
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    public static readonly Cidr LinkLocalV4 = Parse("169.254.0.0/16");
    public static readonly Cidr LinkLocalV6 = Parse("fe80::/10");
}
