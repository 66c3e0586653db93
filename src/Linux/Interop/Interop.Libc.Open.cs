using System.Runtime.InteropServices;

namespace CniNet.Linux;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int O_RDONLY = 0;
        internal const int O_WRONLY = 1;
        internal const int O_CREAT = 0x40;
        internal const int O_APPEND = 0x400;
        internal const int O_CLOEXEC = 0x80000;

        /// <summary>The opened file; invalid (with errno set) on failure. <paramref name="mode"/> applies when O_CREAT creates it.</summary>
        internal static SafeFdHandle Open(string path, int flags, int mode = 0) => new(OpenCall(path, flags, mode));

        // open(2) is variadic; passing the mode explicitly as a third int is how every Linux ABI .NET runs on expects it.
        [LibraryImport(Libraries.Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static partial int OpenCall(string path, int flags, int mode);
    }
}
