namespace CniNet.Bgp.Wire;

/// <summary>One AS_PATH segment: 1 to 255 AS numbers of one <see cref="AsPathSegmentType"/>.</summary>
public sealed record AsPathSegment(AsPathSegmentType Type, IReadOnlyList<uint> Asns)
{
    public const int MaxLength = 255;

    /// <summary>What the segment adds to the path length of best-path selection (RFC 4271 §9.1.2.2 a; RFC 5065 §5.3).</summary>
    public int PathLength => Type switch
    {
        AsPathSegmentType.Sequence => Asns.Count,
        AsPathSegmentType.Set => 1,
        _ => 0,
    };

    public bool Equals(AsPathSegment? other) => other is not null && Type == other.Type && Asns.SequenceEqual(other.Asns);

    public override int GetHashCode() => HashCode.Combine(Type, Asns.Count);

    public override string ToString() => Type switch
    {
        AsPathSegmentType.Sequence => string.Join(' ', Asns),
        AsPathSegmentType.Set => "{" + string.Join(',', Asns) + "}",
        AsPathSegmentType.ConfedSequence => "(" + string.Join(' ', Asns) + ")",
        _ => "[" + string.Join(',', Asns) + "]",
    };
}
