using System.Runtime.InteropServices;

namespace CniNet.Linux;

/// <summary>An owned libnftables context (<c>struct nft_ctx *</c>), freed exactly once.</summary>
internal sealed class SafeNftContextHandle : SafeHandle
{
    public SafeNftContextHandle()
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        Interop.Nftables.CtxFree(handle);
        return true;
    }
}
