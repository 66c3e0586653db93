using System.Runtime.InteropServices;

namespace CniNet.Linux;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int PROT_READ = 0x1;
        internal const int PROT_WRITE = 0x2;
        internal const int MAP_PRIVATE = 0x02;
        internal const int MAP_ANONYMOUS = 0x20;
        internal const int MREMAP_MAYMOVE = 1;

        /// <summary>Back the range with transparent huge pages where the system's policy is <c>madvise</c>.</summary>
        internal const int MADV_HUGEPAGE = 14;

        /// <summary>What mmap and mremap return on failure.</summary>
        internal static readonly nint MAP_FAILED = -1;

        [LibraryImport(Libraries.Libc, EntryPoint = "mmap", SetLastError = true)]
        internal static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

        [LibraryImport(Libraries.Libc, EntryPoint = "mremap", SetLastError = true)]
        internal static partial nint Mremap(nint address, nuint length, nuint newLength, int flags);

        [LibraryImport(Libraries.Libc, EntryPoint = "munmap", SetLastError = true)]
        internal static partial int Munmap(nint address, nuint length);

        [LibraryImport(Libraries.Libc, EntryPoint = "madvise", SetLastError = true)]
        internal static partial int Madvise(nint address, nuint length, int advice);
    }
}
