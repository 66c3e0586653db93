namespace CniNet.Bgp.Wire;

/// <summary>The ORIGIN attribute's value (RFC 4271 §5.1.1); lower is preferred in best-path selection.</summary>
public enum BgpOrigin : byte
{
    Igp = 0,
    Egp = 1,
    Incomplete = 2,
}
