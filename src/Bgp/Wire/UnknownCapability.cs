namespace CniNet.Bgp.Wire;

/// <summary>
/// A capability this speaker does not implement (enhanced route refresh, LLGR, FQDN, ADD-PATH...), kept as its bytes
/// so it can be logged; RFC 5492 §5 lets the speaker ignore it.
/// </summary>
public sealed record UnknownCapability(byte CapabilityCode, byte[] Value) : Capability
{
    public override byte Code => CapabilityCode;

    public bool Equals(UnknownCapability? other) =>
        other is not null && CapabilityCode == other.CapabilityCode && Value.AsSpan().SequenceEqual(other.Value);

    public override int GetHashCode() => HashCode.Combine(CapabilityCode, Value.Length);
}
