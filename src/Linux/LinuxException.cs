using System.Runtime.InteropServices;

namespace CniNet.Linux;

/// <summary>
/// The one error the Linux layer raises: a system call or a netlink request failed with <see cref="Errno"/>.
/// The message reads like <c>RTM_NEWROUTE 10.0.0.5/32 dev cali123: File exists (EEXIST)</c>, followed by the
/// kernel's own explanation when it gave one (netlink extended ack).
/// </summary>
public sealed class LinuxException(Errno errno, string operation, string target, string? kernelMessage = null)
    : Exception(Format(errno, operation, target, kernelMessage))
{
    /// <summary>The error number; compare with the named values (<c>e.Errno == Errno.EEXIST</c>).</summary>
    public Errno Errno { get; } = errno;

    /// <summary>The symbolic name (<c>EEXIST</c>), or <c>errno N</c> for a number without one.</summary>
    public string ErrnoName => Name(Errno);

    /// <summary>What was attempted: a netlink message type (<c>RTM_NEWLINK</c>) or a system call (<c>open</c>, <c>setns</c>).</summary>
    public string Operation { get; } = operation;

    /// <summary>What it was attempted on: a link, address, route, path or namespace.</summary>
    public string Target { get; } = target;

    /// <summary>The kernel's extended-ack text (e.g. <c>Nexthop device is not up</c>), when it sent one.</summary>
    public string? KernelMessage { get; } = kernelMessage;

    /// <summary>The calling thread's errno after a failed libc call, as an exception.</summary>
    internal static LinuxException FromLastError(string operation, string target) =>
        new((Errno)Marshal.GetLastPInvokeError(), operation, target);

    private static string Name(Errno errno) => Enum.IsDefined(errno) ? errno.ToString() : $"errno {(int)errno}";

    private static string Format(Errno errno, string operation, string target, string? kernelMessage)
    {
        var text = $"{operation} {target}: {Marshal.GetPInvokeErrorMessage((int)errno)} ({Name(errno)})";
        return string.IsNullOrEmpty(kernelMessage) ? text : $"{text}: {kernelMessage}";
    }
}
