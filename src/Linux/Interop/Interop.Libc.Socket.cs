using System.Runtime.InteropServices;

namespace CniNet.Linux;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int AF_NETLINK = 16;
        internal const int SOCK_RAW = 3;
        internal const int SOCK_CLOEXEC = 0x80000;
        internal const int NETLINK_ROUTE = 0;

        /// <summary>A new socket; invalid (with errno set) on failure.</summary>
        internal static SafeFdHandle Socket(int domain, int type, int protocol) => new(SocketCall(domain, type, protocol));

        [LibraryImport(Libraries.Libc, EntryPoint = "socket", SetLastError = true)]
        private static partial int SocketCall(int domain, int type, int protocol);
    }
}
