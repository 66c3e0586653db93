using System.Text;

namespace CniNet.Linux;

/// <summary>
/// Kernel parameters under <c>/proc/sys</c>, named by their path below it with slashes
/// (<c>net/ipv4/conf/cali1234/proxy_arp</c>; the dotted form is ambiguous for interface names with dots).
/// </summary>
/// <remarks>
/// Everything under <c>net/</c> belongs to a network namespace, and which one is decided when the file is opened:
/// the calling thread's. Inside <see cref="NetworkNamespace.Run{T}"/> a read or write therefore reaches that
/// namespace's value, outside it the caller's own.
/// </remarks>
public static class Sysctl
{
    private const string Root = "/proc/sys/";

    /// <summary>Writes <paramref name="value"/> (e.g. <c>1</c>) to the parameter.</summary>
    /// <exception cref="LinuxException">ENOENT for an unknown parameter or interface, EINVAL for a value the kernel rejects.</exception>
    public static unsafe void Write(string path, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var fullPath = Resolve(path);
        using var file = Open(fullPath, Interop.Libc.O_WRONLY);
        var bytes = Encoding.UTF8.GetBytes(value);
        fixed (byte* start = bytes)
        {
            // A sysctl takes the whole value in one write; a short count would be a kernel refusal in disguise.
            var written = Interop.Libc.Write(file, start, (nuint)bytes.Length);
            if (written < 0) throw LinuxException.FromLastError("write", fullPath);
            if (written != bytes.Length) throw new LinuxException(Errno.EIO, "write", fullPath, $"{written} of {bytes.Length} bytes written");
        }
    }

    /// <summary>The parameter's value without the trailing newline (tab-separated for multi-value parameters).</summary>
    public static unsafe string Read(string path)
    {
        var fullPath = Resolve(path);
        using var file = Open(fullPath, Interop.Libc.O_RDONLY);
        var text = new List<byte>();
        var chunk = new byte[4096];
        fixed (byte* start = chunk)
        {
            while (true)
            {
                var read = Interop.Libc.Read(file, start, (nuint)chunk.Length);
                if (read < 0) throw LinuxException.FromLastError("read", fullPath);
                if (read == 0) break;
                text.AddRange(chunk.AsSpan(0, (int)read));
            }
        }
        return Encoding.UTF8.GetString(text.ToArray()).TrimEnd('\n');
    }

    private static string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.StartsWith('/') || path.Split('/').Any(segment => segment is "" or "." or ".."))
            throw new ArgumentException($"sysctl path '{path}' must be relative to /proc/sys, like net/ipv4/ip_forward", nameof(path));
        return Root + path;
    }

    private static SafeFdHandle Open(string fullPath, int access)
    {
        var handle = Interop.Libc.Open(fullPath, access | Interop.Libc.O_CLOEXEC);
        if (!handle.IsInvalid) return handle;
        var error = LinuxException.FromLastError("open", fullPath);
        handle.Dispose();
        throw error;
    }
}
