namespace CniNet.Linux;

/// <summary>
/// Transparent huge pages for memory about to be written for the first time. On a virtual machine each first touch
/// of a 4 KiB page is a costly fault; a 2 MiB huge page takes one fault for 512 of them.
/// </summary>
public static class HugePages
{
    /// <summary>A transparent huge page: 2 MiB on x86-64 and on arm64 with 4 KiB pages.</summary>
    public const int Size = 2 * 1024 * 1024;

    /// <summary>
    /// Advises the whole huge pages inside <paramref name="memory"/> (MADV_HUGEPAGE) before it is first written. Only
    /// advice: where the system's policy is <c>never</c> or the pages were touched already, nothing changes.
    /// </summary>
    public static unsafe void Advise(Span<byte> memory)
    {
        fixed (byte* start = memory)
        {
            var first = ((long)start + Size - 1) & ~(Size - 1L);
            var end = ((long)start + memory.Length) & ~(Size - 1L);
            if (end > first) Interop.Libc.Madvise((nint)first, (nuint)(end - first), Interop.Libc.MADV_HUGEPAGE);
        }
    }
}
