using CniNet.Linux.Netlink;

namespace CniNet.Linux;

/// <summary>
/// A NETLINK_ROUTE socket: links, addresses and routes of the network namespace the socket was created in, which
/// stays its namespace whatever thread uses it later. Each operation is one request, confirmed by the kernel before
/// it returns; failures raise <see cref="LinuxException"/>. Not thread-safe: one caller at a time.
/// </summary>
public sealed partial class Rtnetlink : IDisposable
{
    private readonly NetlinkSocket _socket;

    private Rtnetlink(NetlinkSocket socket) => _socket = socket;

    /// <summary>A socket in the calling thread's network namespace.</summary>
    public static Rtnetlink Open() => new(NetlinkSocket.Open(Interop.Libc.NETLINK_ROUTE));

    /// <summary>
    /// A socket in <paramref name="ns"/>: created while the calling thread is briefly inside it, then used from
    /// anywhere (the host side of a CNI ADD drives the pod's namespace this way).
    /// </summary>
    public static Rtnetlink OpenIn(NetworkNamespace ns)
    {
        ArgumentNullException.ThrowIfNull(ns);
        return ns.Run(Open);
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>An interface's name for an error message, or <c>ifN</c> when it cannot be found (any more).</summary>
    private string InterfaceName(int index)
    {
        try
        {
            return GetLink(index)?.Name ?? $"if{index}";
        }
        catch (LinuxException)
        {
            return $"if{index}";
        }
    }
}
