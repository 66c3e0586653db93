using CniNet.Model.Net;
using CniNet.Model.Network;

namespace CniNet.IpamCore;

/// <summary>
/// The union of every IPReservation CIDR as sorted, merged address ranges, so "is this block wholly reserved" and
/// "which ordinals of this block are reserved" cost a binary search, however the reservations overlap.
/// </summary>
public sealed class ReservationSet
{
    private readonly (UInt128 First, UInt128 Last)[] _v4;
    private readonly (UInt128 First, UInt128 Last)[] _v6;

    public ReservationSet(IEnumerable<Cidr> cidrs)
    {
        var all = cidrs.Select(c => c.Masked()).ToList();
        _v4 = Merge(all.Where(c => !c.IsV6));
        _v6 = Merge(all.Where(c => c.IsV6));
    }

    public static ReservationSet From(IEnumerable<IPReservation> reservations) =>
        new(reservations.SelectMany(r => r.Spec.ReservedCIDRs).Select(c => Cidr.TryParse(c, out var cidr, out _) ? cidr : (Cidr?)null)
            .Where(c => c is not null).Select(c => c!.Value));

    public bool IsReserved(UInt128 address, bool v6)
    {
        var ranges = v6 ? _v6 : _v4;
        var i = IndexAtOrBefore(ranges, address);
        return i >= 0 && ranges[i].Last >= address;
    }

    public bool Covers(Cidr cidr)
    {
        var ranges = cidr.IsV6 ? _v6 : _v4;
        var i = IndexAtOrBefore(ranges, cidr.Address);
        return i >= 0 && ranges[i].Last >= cidr.Last;
    }

    public bool Touches(Cidr cidr)
    {
        var ranges = cidr.IsV6 ? _v6 : _v4;
        var i = IndexAtOrBefore(ranges, cidr.Last);
        return i >= 0 && ranges[i].Last >= cidr.Address;
    }

    /// <summary>The ordinal test for one block, or null when no reservation touches it (the fast path).</summary>
    public Func<int, bool>? ForBlock(Cidr block) =>
        Touches(block) ? ordinal => IsReserved(block.Address + (UInt128)ordinal, block.IsV6) : null;

    /// <summary>Reserved addresses inside <paramref name="cidr"/>.</summary>
    public UInt128 CountWithin(Cidr cidr)
    {
        UInt128 count = 0;
        foreach (var (first, last) in cidr.IsV6 ? _v6 : _v4)
        {
            var lo = first > cidr.Address ? first : cidr.Address;
            var hi = last < cidr.Last ? last : cidr.Last;
            if (lo <= hi) count += hi - lo + 1;
        }
        return count;
    }

    private static int IndexAtOrBefore((UInt128 First, UInt128 Last)[] ranges, UInt128 address)
    {
        int lo = 0, hi = ranges.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (ranges[mid].First <= address)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }

    private static (UInt128, UInt128)[] Merge(IEnumerable<Cidr> cidrs)
    {
        var merged = new List<(UInt128 First, UInt128 Last)>();
        foreach (var c in cidrs.OrderBy(c => c.Address))
        {
            if (merged.Count > 0 && c.Address <= merged[^1].Last + 1 && merged[^1].Last != UInt128.MaxValue)
                merged[^1] = (merged[^1].First, c.Last > merged[^1].Last ? c.Last : merged[^1].Last);
            else if (merged.Count > 0 && merged[^1].Last == UInt128.MaxValue)
                continue;
            else
                merged.Add((c.Address, c.Last));
        }
        return [.. merged];
    }
}
