namespace CniNet.Linux;

/// <summary>
/// Appends to a file the way a log shared by many writers needs: opened with O_APPEND, the text written in one call, so
/// concurrent writers (plugin processes, the agent's concurrent invocations) never overwrite each other's lines and
/// never wait on a lock.
/// </summary>
public static class AppendOnlyFile
{
    /// <summary>Appends <paramref name="data"/>, creating the file (mode 0644) when missing.</summary>
    /// <exception cref="LinuxException">The file cannot be opened or written.</exception>
    public static void Append(string path, ReadOnlySpan<byte> data)
    {
        using var file = Interop.Libc.Open(path, Interop.Libc.O_WRONLY | Interop.Libc.O_APPEND | Interop.Libc.O_CREAT | Interop.Libc.O_CLOEXEC, 0b110_100_100);
        if (file.IsInvalid) throw LinuxException.FromLastError("open", path);
        ProcessImage.WriteAll(file.Number, data);
    }
}
