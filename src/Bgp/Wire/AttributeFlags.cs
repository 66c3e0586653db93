namespace CniNet.Bgp.Wire;

/// <summary>The path attribute flag bits (RFC 4271 §4.3).</summary>
public static class AttributeFlags
{
    public const byte Optional = 0x80;
    public const byte Transitive = 0x40;
    public const byte Partial = 0x20;
    public const byte ExtendedLength = 0x10;

    /// <summary>The bits a receiver checks against the attribute's definition (RFC 7606 §3 c).</summary>
    public const byte Category = Optional | Transitive;

    public const byte WellKnown = Transitive;
    public const byte OptionalTransitive = Optional | Transitive;
    public const byte OptionalNonTransitive = Optional;
}
