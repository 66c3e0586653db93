using System.Runtime.InteropServices;
using System.Text;

namespace CniNet.Linux;

/// <summary>
/// A process's standard streams and its image, through the system calls alone: for a front end that lives for one
/// request and must not pay for the runtime's console and process types at every start.
/// </summary>
public static class ProcessImage
{
    public const int StandardInput = 0;
    public const int StandardOutput = 1;

    /// <summary>Everything left on a descriptor (a pipe or file this process was given).</summary>
    public static unsafe byte[] ReadToEnd(int fd)
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            nint n;
            fixed (byte* at = &buffer[length]) n = Interop.Libc.Read(fd, at, (nuint)(buffer.Length - length));
            if (n == 0) return buffer[..length];
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == (int)Errno.EINTR) continue;
                throw LinuxException.FromLastError("read", $"descriptor {fd}");
            }
            length += (int)n;
        }
    }

    public static unsafe void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            nint n;
            fixed (byte* at = data) n = Interop.Libc.Write(fd, at, (nuint)data.Length);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == (int)Errno.EINTR) continue;
                throw LinuxException.FromLastError("write", $"descriptor {fd}");
            }
            data = data[(int)n..];
        }
    }

    /// <summary>
    /// Replaces this process with <paramref name="path"/> (same PID, environment and descriptors), its standard input
    /// being <paramref name="stdin"/> when given (read already, so handed on through a memory file) and this process's
    /// own otherwise. Returns only when the image could not be replaced: the reason, this process carrying on as it was.
    /// </summary>
    public static unsafe LinuxException Exec(string path, IReadOnlyList<string> argv, byte[]? stdin)
    {
        if (stdin is not null)
        {
            var memory = Interop.Libc.MemfdCreate("stdin", 0);
            if (memory < 0) return LinuxException.FromLastError("memfd_create", "standard input");
            try
            {
                WriteAll(memory, stdin);
                if (Interop.Libc.Lseek(memory, 0, Interop.Libc.SEEK_SET) < 0) return LinuxException.FromLastError("lseek", "standard input");
                if (Interop.Libc.Dup2(memory, StandardInput) < 0) return LinuxException.FromLastError("dup2", "standard input");
            }
            catch (LinuxException e)
            {
                return e;
            }
            finally
            {
                Interop.Libc.Close(memory);
            }
        }
        var strings = argv.Select(a => Encoding.UTF8.GetBytes(a + "\0")).ToArray();
        var handles = strings.Select(s => GCHandle.Alloc(s, GCHandleType.Pinned)).ToArray();
        try
        {
            var pointers = new byte*[strings.Length + 1];
            for (var i = 0; i < strings.Length; i++) pointers[i] = (byte*)handles[i].AddrOfPinnedObject();
            fixed (byte** array = pointers) Interop.Libc.Execv(path, array);
            return LinuxException.FromLastError("execv", path);
        }
        finally
        {
            foreach (var handle in handles) handle.Free();
        }
    }
}
