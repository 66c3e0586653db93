namespace CniNet.Bgp.Wire;

/// <summary>AS_PATH segment types (RFC 4271 §4.3; the confederation ones from RFC 5065).</summary>
public enum AsPathSegmentType : byte
{
    Set = 1,
    Sequence = 2,
    ConfedSequence = 3,
    ConfedSet = 4,
}
