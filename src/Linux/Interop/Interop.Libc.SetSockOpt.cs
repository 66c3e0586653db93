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

        [LibraryImport(Libraries.Libc, EntryPoint = "setsockopt", SetLastError = true)]
        internal static unsafe partial int SetSockOpt(SafeFdHandle fd, int level, int name, int* value, uint valueLength);
    }
}
