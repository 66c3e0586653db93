namespace CniNet.Linux;

/// <summary>
/// Transparent huge pages for memory about to be written for the first time. On a virtual machine each first touch
/// of a 4 KiB page is a costly fault; a 2 MiB huge page takes one fault for 512 of them.
/// </summary>
public static class HugePages
{
    private const long Size = 2 * 1024 * 1024;

    /// <summary>
    /// Advises the whole huge pages inside <paramref name="memory"/> (MADV_HUGEPAGE) before it is first written. Only
    /// advice: where the system's policy is <c>never</c> or the pages were touched already, nothing changes.
    /// </summary>
    public static unsafe void Advise(Span<byte> memory)
    {
        fixed (byte* start = memory)
        {
            var first = ((long)start + Size - 1) & ~(Size - 1);
            var end = ((long)start + memory.Length) & ~(Size - 1);
            if (end > first) Interop.Libc.Madvise((nint)first, (nuint)(end - first), Interop.Libc.MADV_HUGEPAGE);
        }
    }
}
