using System.Net;
using System.Net.Sockets;
using CniNet.Linux.Netlink;

namespace CniNet.Linux;

public sealed partial class Rtnetlink
{
    /// <summary>Adds <paramref name="address"/>/<paramref name="prefixLength"/> to the interface.</summary>
    /// <param name="flags">e.g. <see cref="AddressFlags.NoDad"/> for an IPv6 pod address that must work at once.</param>
    /// <exception cref="LinuxException">EEXIST when the interface already has the address.</exception>
    public void AddAddress(int index, IPAddress address, int prefixLength, AddressFlags flags = AddressFlags.None)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        ArgumentNullException.ThrowIfNull(address);
        var maxLength = AddressMessage.MaxPrefixLength(AddressMessage.FamilyOf(address.AddressFamily));
        if (prefixLength < 0 || prefixLength > maxLength)
            throw new ArgumentOutOfRangeException(nameof(prefixLength), prefixLength, $"must be 0 to {maxLength} for {address}");
        AddressMessage.Write(_socket.BeginRequest(Uapi.RTM_NEWADDR, Uapi.NLM_F_CREATE | Uapi.NLM_F_EXCL), index, address, prefixLength, flags);
        _socket.Execute("RTM_NEWADDR", () => $"{address}/{prefixLength} dev {InterfaceName(index)}");
    }

    /// <summary>Removes <paramref name="address"/>/<paramref name="prefixLength"/> from the interface; false when it did not have it.</summary>
    public bool DeleteAddress(int index, IPAddress address, int prefixLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        ArgumentNullException.ThrowIfNull(address);
        AddressMessage.Write(_socket.BeginRequest(Uapi.RTM_DELADDR, 0), index, address, prefixLength, AddressFlags.None);
        return _socket.Execute("RTM_DELADDR", () => $"{address}/{prefixLength} dev {InterfaceName(index)}", Errno.EADDRNOTAVAIL);
    }

    /// <summary>The addresses of one interface (or all), of one family (or both).</summary>
    public IReadOnlyList<AddressInfo> ListAddresses(int? index = null, AddressFamily? family = null)
    {
        var families = family is { } only ? [only] : new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 };
        var addresses = new List<AddressInfo>();
        foreach (var f in families)
        {
            var dump = _socket.Dump<AddressInfo>(
                Uapi.RTM_GETADDR, writer => AddressMessage.WriteDumpRequest(writer, f), Uapi.RTM_NEWADDR, AddressMessage.TryParse, "RTM_GETADDR");
            addresses.AddRange(index is { } i ? dump.Where(a => a.InterfaceIndex == i) : dump);
        }
        return addresses;
    }
}
