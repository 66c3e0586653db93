using System.Runtime.InteropServices;

namespace CniNet.Linux;

/// <summary>
/// nft's engine in this process (libnftables) bound to one network namespace: each <see cref="TryRun"/> is what
/// <c>nft -f -</c> does with the same text (one batch, one atomic kernel transaction) without starting a process or
/// loading nft's libraries again. Every call runs on a thread moved into the namespace, so the context's netlink
/// socket, and any it reopens, belongs there. Not thread-safe: one owner at a time.
/// </summary>
public sealed class NftablesSession : IDisposable
{
    private readonly SafeNftContextHandle _ctx;
    private readonly NetworkNamespace? _netns;

    private NftablesSession(SafeNftContextHandle ctx, NetworkNamespace? netns)
    {
        _ctx = ctx;
        _netns = netns;
    }

    /// <summary>A context in <paramref name="netns"/>, or in the calling thread's namespace when null.</summary>
    /// <exception cref="DllNotFoundException">libnftables.so.1 is not installed (Debian: libnftables1).</exception>
    public static NftablesSession Open(NetworkNamespace? netns = null)
    {
        var ctx = netns is null ? NewContext() : netns.Run(NewContext);
        return new NftablesSession(ctx, netns);
    }

    /// <summary>Runs <paramref name="commands"/> as one transaction; on failure <paramref name="error"/> is nft's message.</summary>
    public bool TryRun(string commands, out string error)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var result = _netns is null ? Run(commands) : _netns.Run(() => Run(commands));
        // Listing commands would fill the output buffer; emptying it keeps a long-lived context from growing.
        Interop.Nftables.CtxGetOutputBuffer(_ctx);
        error = Marshal.PtrToStringUTF8(Interop.Nftables.CtxGetErrorBuffer(_ctx)) ?? "";
        return result == 0;
    }

    public void Dispose() => _ctx.Dispose();

    private int Run(string commands) => Interop.Nftables.RunCmdFromBuffer(_ctx, commands);

    private static SafeNftContextHandle NewContext()
    {
        var ctx = Interop.Nftables.CtxNew(Interop.Nftables.NFT_CTX_DEFAULT);
        if (ctx.IsInvalid)
        {
            ctx.Dispose();
            throw new InvalidOperationException("nft_ctx_new failed");
        }
        if (Interop.Nftables.CtxBufferOutput(ctx) != 0 || Interop.Nftables.CtxBufferError(ctx) != 0)
        {
            ctx.Dispose();
            throw new InvalidOperationException("libnftables could not buffer its output");
        }
        return ctx;
    }
}
