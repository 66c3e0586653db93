using System.Runtime.InteropServices;

namespace CniNet.Linux;

internal static partial class Interop
{
    /// <summary>libnftables(3): the library behind the nft command, run on a context of its own.</summary>
    internal static partial class Nftables
    {
        internal const uint NFT_CTX_DEFAULT = 0;

        /// <summary>A new context; it opens its netlink socket in the calling thread's network namespace.</summary>
        [LibraryImport(Libraries.Nftables, EntryPoint = "nft_ctx_new")]
        internal static partial SafeNftContextHandle CtxNew(uint flags);

        [LibraryImport(Libraries.Nftables, EntryPoint = "nft_ctx_free")]
        internal static partial void CtxFree(nint ctx);

        /// <summary>Keeps what nft would print on stdout in the context instead.</summary>
        [LibraryImport(Libraries.Nftables, EntryPoint = "nft_ctx_buffer_output")]
        internal static partial int CtxBufferOutput(SafeNftContextHandle ctx);

        /// <summary>Keeps what nft would print on stderr (error messages with the offending line) in the context.</summary>
        [LibraryImport(Libraries.Nftables, EntryPoint = "nft_ctx_buffer_error")]
        internal static partial int CtxBufferError(SafeNftContextHandle ctx);

        /// <summary>The buffered error text since the last call; owned by the context.</summary>
        [LibraryImport(Libraries.Nftables, EntryPoint = "nft_ctx_get_error_buffer")]
        internal static partial nint CtxGetErrorBuffer(SafeNftContextHandle ctx);

        /// <summary>Output buffered since the last call; read only to empty the buffer.</summary>
        [LibraryImport(Libraries.Nftables, EntryPoint = "nft_ctx_get_output_buffer")]
        internal static partial nint CtxGetOutputBuffer(SafeNftContextHandle ctx);

        /// <summary>Runs commands in nft's syntax as one batch (one kernel transaction); 0 on success.</summary>
        [LibraryImport(Libraries.Nftables, EntryPoint = "nft_run_cmd_from_buffer", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int RunCmdFromBuffer(SafeNftContextHandle ctx, string buffer);
    }
}
