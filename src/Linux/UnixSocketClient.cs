using System.Text;

namespace CniNet.Linux;

/// <summary>
/// One request and its whole answer over a Unix stream socket, through the system calls alone (no socket engine, no
/// thread): the request is sent, the sending side shut down, and everything up to the peer's close is the answer.
/// </summary>
public static class UnixSocketClient
{
    /// <summary>The answer, or null when nothing listens on <paramref name="path"/> or the peer went away first.</summary>
    public static unsafe byte[]? Exchange(string path, ReadOnlySpan<byte> request)
    {
        var address = new Interop.Libc.SockAddrUnix { Family = Interop.Libc.AF_UNIX };
        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length > 107) throw new ArgumentException($"socket path longer than 107 bytes: {path}", nameof(path));
        bytes.CopyTo(new Span<byte>(address.Path, 108));
        using var socket = Interop.Libc.Socket(Interop.Libc.AF_UNIX, Interop.Libc.SOCK_STREAM | Interop.Libc.SOCK_CLOEXEC, 0);
        if (socket.IsInvalid) throw LinuxException.FromLastError("socket", path);
        if (Interop.Libc.Connect(socket, &address, sizeof(ushort) + bytes.Length + 1) < 0) return null;
        try
        {
            ProcessImage.WriteAll(socket.Number, request);
            Interop.Libc.Shutdown(socket, Interop.Libc.SHUT_WR);
            return ProcessImage.ReadToEnd(socket.Number);
        }
        catch (LinuxException)
        {
            return null;
        }
    }
}
