namespace CniNet.Linux;

internal static partial class Interop
{
    internal static class Libraries
    {
        internal const string Libc = "libc";

        // Debian's libnftables1 (from the nftables package): nft's own engine, loaded on first use only.
        internal const string Nftables = "libnftables.so.1";
    }
}
