namespace CniNet.Bgp.Wire;

/// <summary>
/// A path attribute kept as its flags and bytes: one this codec does not interpret (extended communities, AGGREGATOR,
/// anything new). Optional transitive ones are passed on with the partial bit set (RFC 4271 §5).
/// </summary>
public sealed record RawAttribute(byte Flags, byte TypeCode, byte[] Value)
{
    public bool IsTransitive => (Flags & AttributeFlags.Transitive) != 0;

    public bool Equals(RawAttribute? other) =>
        other is not null && Flags == other.Flags && TypeCode == other.TypeCode && Value.AsSpan().SequenceEqual(other.Value);

    public override int GetHashCode() => HashCode.Combine(Flags, TypeCode, Value.Length);
}
