using System.Net.NetworkInformation;
using System.Text;
using CniNet.Linux.Netlink;

namespace CniNet.Linux;

public sealed partial class Rtnetlink
{
    /// <summary>
    /// Creates a veth pair in one request: <paramref name="name"/> in this socket's namespace and
    /// <paramref name="peerName"/> born directly in <paramref name="peerNamespace"/> (or beside it when null). Both ends
    /// are created down. Nothing is left behind on failure.
    /// </summary>
    /// <param name="mtu">The MTU of both ends.</param>
    /// <param name="mac">The MAC of <paramref name="name"/>; null lets the kernel pick a random one.</param>
    /// <param name="peerMac">The MAC of <paramref name="peerName"/>; null lets the kernel pick a random one.</param>
    /// <exception cref="LinuxException">EEXIST when either name is taken in its namespace.</exception>
    public void CreateVethPair(
        string name, string peerName, NetworkNamespace? peerNamespace, int mtu, PhysicalAddress? mac = null, PhysicalAddress? peerMac = null)
    {
        ValidateName(name);
        ValidateName(peerName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mtu);
        var added = false;
        try
        {
            // The descriptor's number is in the message: keep it from being closed (and reused) until the kernel has it.
            peerNamespace?.Handle.DangerousAddRef(ref added);
            var writer = _socket.BeginRequest(Uapi.RTM_NEWLINK, Uapi.NLM_F_CREATE | Uapi.NLM_F_EXCL);
            LinkMessage.WriteVethPair(writer, name, peerName, peerNamespace?.Handle.Number, mtu, mac, peerMac);
            _socket.Execute("RTM_NEWLINK", () => $"veth {name} peer {peerName}" + (peerNamespace is null ? "" : $" in {peerNamespace.Path}"));
        }
        finally
        {
            if (added) peerNamespace!.Handle.DangerousRelease();
        }
    }

    /// <summary>Creates a VXLAN device, down; <see cref="GetLink(string)"/> reads its settings back in <see cref="LinkInfo.Vxlan"/>.</summary>
    /// <param name="mac">The device's MAC; null lets the kernel pick a random one.</param>
    /// <exception cref="LinuxException">EEXIST when the name is taken; EEXIST too when another VXLAN device already has the same VNI and port.</exception>
    public void CreateVxlan(string name, VxlanSettings vxlan, int mtu, PhysicalAddress? mac = null)
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(vxlan);
        vxlan.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mtu);
        LinkMessage.WriteVxlan(_socket.BeginRequest(Uapi.RTM_NEWLINK, Uapi.NLM_F_CREATE | Uapi.NLM_F_EXCL), name, vxlan, mtu, mac);
        _socket.Execute("RTM_NEWLINK", () => $"vxlan {name} id {vxlan.Vni} local {vxlan.Local} dev {InterfaceName(vxlan.ParentIndex)} dstport {vxlan.Port}");
    }

    /// <summary>The link called <paramref name="name"/>, or null when there is none.</summary>
    public LinkInfo? GetLink(string name)
    {
        ValidateName(name);
        LinkMessage.WriteQuery(_socket.BeginRequest(Uapi.RTM_GETLINK, 0), 0, name);
        return _socket.Get<LinkInfo>(Uapi.RTM_NEWLINK, LinkMessage.TryParse, "RTM_GETLINK", () => name, Errno.ENODEV);
    }

    /// <summary>The link with ifindex <paramref name="index"/>, or null when there is none.</summary>
    public LinkInfo? GetLink(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        LinkMessage.WriteQuery(_socket.BeginRequest(Uapi.RTM_GETLINK, 0), index, null);
        return _socket.Get<LinkInfo>(Uapi.RTM_NEWLINK, LinkMessage.TryParse, "RTM_GETLINK", () => $"if{index}", Errno.ENODEV);
    }

    /// <summary>Every link in the namespace.</summary>
    public IReadOnlyList<LinkInfo> ListLinks() =>
        _socket.Dump<LinkInfo>(Uapi.RTM_GETLINK, writer => LinkMessage.WriteQuery(writer, 0, null), Uapi.RTM_NEWLINK, LinkMessage.TryParse, "RTM_GETLINK");

    /// <summary>Sets the link administratively up (IFF_UP).</summary>
    public void SetLinkUp(int index) => ChangeLink(index, up: true);

    /// <summary>Sets the link administratively down.</summary>
    public void SetLinkDown(int index) => ChangeLink(index, up: false);

    public void SetMtu(int index, int mtu)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mtu);
        ChangeLink(index, mtu: mtu);
    }

    public void SetMac(int index, PhysicalAddress mac)
    {
        ArgumentNullException.ThrowIfNull(mac);
        ChangeLink(index, mac: mac);
    }

    /// <summary>Deletes the link (for a veth, both ends); false when it did not exist.</summary>
    public bool DeleteLink(string name)
    {
        ValidateName(name);
        var writer = _socket.BeginRequest(Uapi.RTM_DELLINK, 0);
        LinkMessage.WriteHeader(writer, 0);
        writer.AttributeString(Uapi.IFLA_IFNAME, name);
        return _socket.Execute("RTM_DELLINK", () => name, Errno.ENODEV);
    }

    /// <inheritdoc cref="DeleteLink(string)"/>
    public bool DeleteLink(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        LinkMessage.WriteHeader(_socket.BeginRequest(Uapi.RTM_DELLINK, 0), index);
        return _socket.Execute("RTM_DELLINK", () => InterfaceName(index), Errno.ENODEV);
    }

    private void ChangeLink(int index, bool? up = null, int? mtu = null, PhysicalAddress? mac = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        LinkMessage.WriteChange(_socket.BeginRequest(Uapi.RTM_NEWLINK, 0), index, up, mtu, mac);
        _socket.Execute("RTM_NEWLINK", () => InterfaceName(index));
    }

    /// <summary>The kernel's rule (dev_valid_name): 1 to 15 bytes, not "." or "..", no '/', ':' or whitespace.</summary>
    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Encoding.UTF8.GetByteCount(name) >= Uapi.IFNAMSIZ || name is "." or ".." || name.Any(c => c is '/' or ':' || char.IsWhiteSpace(c)))
            throw new ArgumentException($"'{name}' is not a valid interface name (1 to {Uapi.IFNAMSIZ - 1} bytes, no '/', ':' or whitespace)", nameof(name));
    }
}
