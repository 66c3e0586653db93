using System.Runtime.InteropServices;

namespace CniNet.Linux;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SEEK_SET = 0;

        /// <summary>execv(3): replaces the process image, keeping the environment, descriptors and PID; returns only on failure.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "execv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static unsafe partial int Execv(string path, byte** argv);

        [LibraryImport(Libraries.Libc, EntryPoint = "memfd_create", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int MemfdCreate(string name, uint flags);

        [LibraryImport(Libraries.Libc, EntryPoint = "dup2", SetLastError = true)]
        internal static partial int Dup2(int oldFd, int newFd);

        [LibraryImport(Libraries.Libc, EntryPoint = "lseek", SetLastError = true)]
        internal static partial long Lseek(int fd, long offset, int whence);
    }
}
