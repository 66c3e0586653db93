using System.Runtime.InteropServices;

namespace CniNet.Linux;

/// <summary>An owned file descriptor (socket, namespace file, /proc/sys file), closed exactly once.</summary>
/// <remarks>
/// Built from the <c>int</c> that open(2) and socket(2) return rather than by the marshaller: a SafeHandle return
/// would read the whole 64-bit register, and -1 in its low half is not -1 there.
/// </remarks>
internal sealed class SafeFdHandle : SafeHandle
{
    public SafeFdHandle(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => (int)handle < 0;

    /// <summary>The descriptor's number, for the one place the kernel wants it inside a message (IFLA_NET_NS_FD).</summary>
    /// <remarks>Callers hold a reference (<see cref="SafeHandle.DangerousAddRef"/>) while the number is in flight.</remarks>
    public int Number => (int)handle;

    protected override bool ReleaseHandle() => Interop.Libc.Close((int)handle) == 0;
}
