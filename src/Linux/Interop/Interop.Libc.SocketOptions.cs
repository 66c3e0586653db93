namespace CniNet.Linux;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SOL_SOCKET = 1;

        /// <summary>Sets the send buffer beyond net.core.wmem_max (CAP_NET_ADMIN): an nf_tables batch must fit one datagram.</summary>
        internal const int SO_SNDBUFFORCE = 32;

        /// <summary>nf_tables' netlink protocol (linux/netlink.h).</summary>
        internal const int NETLINK_NETFILTER = 12;

        /// <summary>recvfrom returns EAGAIN instead of waiting when nothing is queued.</summary>
        internal const int MSG_DONTWAIT = 0x40;
    }
}
