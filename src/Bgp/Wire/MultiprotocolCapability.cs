namespace CniNet.Bgp.Wire;

/// <summary>The speaker exchanges routes of <paramref name="Family"/> (RFC 4760 §8).</summary>
public sealed record MultiprotocolCapability(BgpFamily Family) : Capability
{
    public override byte Code => MultiprotocolCode;
}
