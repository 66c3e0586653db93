namespace CniNet.Linux;

/// <summary>
/// An open handle on a network namespace: a namespace file (<c>/proc/&lt;pid&gt;/ns/net</c>, <c>/run/netns/&lt;name&gt;</c>,
/// or a CNI runtime's bind mount) opened read-only. The handle keeps the namespace alive while open, even if every
/// process in it exits and its bind mount is removed.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private const string CurrentThreadPath = "/proc/thread-self/ns/net";

    private NetworkNamespace(SafeFdHandle handle, string path)
    {
        Handle = handle;
        Path = path;
    }

    /// <summary>The path it was opened from, for messages.</summary>
    public string Path { get; }

    internal SafeFdHandle Handle { get; }

    /// <summary>Opens the namespace file at <paramref name="path"/>.</summary>
    /// <exception cref="LinuxException">
    /// <see cref="Errno.ENOENT"/> when the path does not exist: the namespace is gone (its process exited, or it was
    /// deleted), which a CNI DEL treats as already cleaned up.
    /// </exception>
    public static NetworkNamespace Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var handle = Interop.Libc.Open(path, Interop.Libc.O_RDONLY | Interop.Libc.O_CLOEXEC);
        if (!handle.IsInvalid) return new NetworkNamespace(handle, path);
        var error = LinuxException.FromLastError("open netns", path);
        handle.Dispose();
        throw error;
    }

    /// <summary>The namespace the calling thread is in now (threads can differ; see <see cref="Run{T}"/>).</summary>
    public static NetworkNamespace OpenCurrent() => Open(CurrentThreadPath);

    /// <summary>
    /// Runs <paramref name="action"/> on the calling thread with that thread moved into this namespace (setns), and
    /// moves it back afterwards, whether the action returns or throws. Sockets and namespace-relative files
    /// (<c>/proc/sys/net</c>) opened inside stay bound to this namespace after it returns.
    /// </summary>
    /// <remarks>
    /// The action must be synchronous: after an <c>await</c> the continuation may run on another thread, outside the
    /// namespace, while this thread would be restored under it. If the thread cannot be moved back the process is
    /// stopped (<see cref="Environment.FailFast(string)"/>), because that thread would otherwise go on running
    /// everything afterwards in the wrong namespace.
    /// </remarks>
    public T Run<T>(Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        using var home = OpenCurrent();
        if (Interop.Libc.SetNs(Handle, Interop.Libc.CLONE_NEWNET) != 0) throw LinuxException.FromLastError("setns", Path);
        try
        {
            return action();
        }
        finally
        {
            if (Interop.Libc.SetNs(home.Handle, Interop.Libc.CLONE_NEWNET) != 0)
                Environment.FailFast(LinuxException.FromLastError("setns back", home.Path).Message);
        }
    }

    /// <inheritdoc cref="Run{T}"/>
    public void Run(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Run(() =>
        {
            action();
            return true;
        });
    }

    public void Dispose() => Handle.Dispose();
}
