using System.Net;
using System.Net.Sockets;

namespace CniNet.Cni;

/// <summary>An address with a prefix length whose host bits may be set, as CNI results write it (<c>10.0.0.7/26</c>).</summary>
public readonly record struct IPPrefix(IPAddress Address, int PrefixLength)
{
    public bool IsV6 => Address.AddressFamily == AddressFamily.InterNetworkV6;

    public int Bits => IsV6 ? 128 : 32;

    /// <summary>The same address as a host prefix (/32 or /128), as the pod interface carries it.</summary>
    public IPPrefix AsHost => this with { PrefixLength = Bits };

    public static IPPrefix Host(IPAddress address) => new(address, address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32);

    public static bool TryParse(string? text, out IPPrefix prefix)
    {
        prefix = default;
        if (string.IsNullOrEmpty(text)) return false;
        var slash = text.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(text.AsSpan(0, slash), out var address)
            || !int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out var length)) return false;
        var bits = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (length > bits) return false;
        prefix = new IPPrefix(address, length);
        return true;
    }

    public static IPPrefix Parse(string text) =>
        TryParse(text, out var prefix) ? prefix : throw new FormatException($"\"{text}\" is not an address with a prefix length");

    /// <summary>The network this prefix lies in, host bits cleared.</summary>
    public IPPrefix Network()
    {
        var bytes = Address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(PrefixLength - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPPrefix(new IPAddress(bytes), PrefixLength);
    }

    public override string ToString() => $"{Address}/{PrefixLength}";
}
