using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CniNet.Linux;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SOL_NETLINK = 270;

        /// <summary>Acknowledgements carry only the request's header, not a copy of the whole request (Linux 4.2).</summary>
        internal const int NETLINK_CAP_ACK = 10;

        /// <summary>Errors carry the kernel's explanation as NLMSGERR_ATTR_MSG (Linux 4.12).</summary>
        internal const int NETLINK_EXT_ACK = 11;

        internal const int IPPROTO_TCP = 6;

        /// <summary>Installs or removes an RFC 2385 key for one peer address (linux/tcp.h).</summary>
        internal const int TCP_MD5SIG = 14;

        [LibraryImport(Libraries.Libc, EntryPoint = "setsockopt", SetLastError = true)]
        internal static unsafe partial int SetSockOpt(SafeFdHandle fd, int level, int name, int* value, uint valueLength);

        /// <summary>The same call on a socket owned by System.Net.Sockets, for options .NET has no name for.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "setsockopt", SetLastError = true)]
        internal static unsafe partial int SetSockOpt(SafeSocketHandle fd, int level, int name, byte* value, uint valueLength);
    }
}
