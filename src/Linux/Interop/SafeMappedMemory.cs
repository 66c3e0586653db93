using System.Runtime.InteropServices;

namespace CniNet.Linux;

/// <summary>
/// Private anonymous memory of our own (mmap), in whole 2 MiB steps advised for transparent huge pages, unmapped
/// exactly once. For buffers of tens of megabytes written once (a full nf_tables batch): on a virtual machine every
/// first touch of a 4 KiB page is a costly fault, and a huge page takes one fault for 512 of them, while the pooled
/// arrays of the GC heap cannot ask for huge pages at all.
/// </summary>
internal sealed class SafeMappedMemory : SafeHandle
{
    // Elsewhere than x86-64 and arm64 with 4 KiB pages it only rounds the length up.
    private const long HugePage = HugePages.Size;

    private SafeMappedMemory()
        : base(invalidHandleValue: Interop.Libc.MAP_FAILED, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == Interop.Libc.MAP_FAILED || handle == 0;

    /// <summary>The mapped bytes (at least what was asked for); a span over them may not outlive this object.</summary>
    public int Length { get; private set; }

    public unsafe Span<byte> Span => new((void*)handle, Length);

    /// <summary>At least <paramref name="length"/> zeroed bytes, <see cref="Length"/> of them in all.</summary>
    public static SafeMappedMemory Map(int length)
    {
        var memory = new SafeMappedMemory();
        var size = Rounded(length);
        var address = Interop.Libc.Mmap(0, (nuint)size, Interop.Libc.PROT_READ | Interop.Libc.PROT_WRITE,
            Interop.Libc.MAP_PRIVATE | Interop.Libc.MAP_ANONYMOUS, -1, 0);
        if (address == Interop.Libc.MAP_FAILED) throw LinuxException.FromLastError("mmap", $"{size} bytes");
        memory.SetHandle(address);
        memory.Length = size;
        // Only advice: where huge pages are off (or none are free) the range simply keeps small ones.
        Interop.Libc.Madvise(address, (nuint)size, Interop.Libc.MADV_HUGEPAGE);
        return memory;
    }

    /// <summary>
    /// Grows the mapping to at least <paramref name="length"/> bytes, keeping its content: the kernel moves page table
    /// entries rather than copying bytes. Spans taken before are no longer valid.
    /// </summary>
    public void Resize(int length)
    {
        var size = Rounded(length);
        var address = Interop.Libc.Mremap(handle, (nuint)Length, (nuint)size, Interop.Libc.MREMAP_MAYMOVE);
        if (address == Interop.Libc.MAP_FAILED) throw LinuxException.FromLastError("mremap", $"{size} bytes");
        SetHandle(address);
        Length = size;
        Interop.Libc.Madvise(address, (nuint)size, Interop.Libc.MADV_HUGEPAGE);
    }

    protected override bool ReleaseHandle() => Interop.Libc.Munmap(handle, (nuint)Length) == 0;

    private static int Rounded(int length) =>
        (int)Math.Min(int.MaxValue & ~(HugePage - 1), (length + HugePage - 1) & ~(HugePage - 1));
}
