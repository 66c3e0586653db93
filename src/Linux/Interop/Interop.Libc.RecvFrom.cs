using System.Runtime.InteropServices;

namespace CniNet.Linux;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>For datagram sockets, makes recvfrom return the datagram's real length even when it did not fit.</summary>
        internal const int MSG_TRUNC = 0x20;

        [LibraryImport(Libraries.Libc, EntryPoint = "recvfrom", SetLastError = true)]
        internal static unsafe partial nint RecvFrom(SafeFdHandle fd, byte* buffer, nuint length, int flags, SockAddrNetlink* address, int* addressLength);
    }
}
