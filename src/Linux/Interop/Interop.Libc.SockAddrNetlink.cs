using System.Runtime.InteropServices;

namespace CniNet.Linux;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>struct sockaddr_nl (linux/netlink.h): a port id of 0 is the kernel.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct SockAddrNetlink
        {
            internal ushort Family;
            internal ushort Pad;
            internal uint PortId;
            internal uint Groups;
        }
    }
}
