namespace CniNet.Bgp.Wire;

/// <summary>The speaker handles 4-octet AS numbers, and this is its real AS (RFC 6793 §3).</summary>
public sealed record FourOctetAsCapability(uint As) : Capability
{
    public override byte Code => FourOctetAsCode;
}
