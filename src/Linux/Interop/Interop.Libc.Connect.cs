using System.Runtime.InteropServices;

namespace CniNet.Linux;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int AF_UNIX = 1;
        internal const int SOCK_STREAM = 1;
        internal const int SHUT_WR = 1;

        /// <summary>struct sockaddr_un: the family, then a NUL-terminated path of at most 107 bytes.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct SockAddrUnix
        {
            public ushort Family;
            public fixed byte Path[108];
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "connect", SetLastError = true)]
        internal static unsafe partial int Connect(SafeFdHandle fd, SockAddrUnix* address, int addressLength);

        [LibraryImport(Libraries.Libc, EntryPoint = "shutdown", SetLastError = true)]
        internal static partial int Shutdown(SafeFdHandle fd, int how);
    }
}
