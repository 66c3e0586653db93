using System.Globalization;
using System.Net;
using CniNet.Model.Ipam;
using CniNet.Model.Net;

namespace CniNet.IpamCore;

/// <summary>
/// One allocation block as a value. Every operation leaves this instance untouched and returns the new state (and
/// what it did), so the datastore loops can retry a compare-and-swap from the state they read and the invariants can
/// be checked without any store (Calico's <c>allocationBlock</c>).
/// </summary>
public sealed class IpamBlock
{
    private readonly IPAMBlockSpec _spec;

    private IpamBlock(Cidr cidr, IPAMBlockSpec spec)
    {
        Cidr = cidr;
        _spec = spec;
    }

    public Cidr Cidr { get; }

    public int Size => _spec.Allocations.Count;

    public string? Affinity => _spec.Affinity;

    /// <summary>The host of a <c>host:</c> affinity (or a legacy bare-hostname affinity), else null.</summary>
    public string? AffinityHost =>
        _spec.Affinity is { } a ? a.StartsWith("host:", StringComparison.Ordinal) ? a[5..] : null : _spec.HostAffinity;

    public DateTime? AffinityClaimTime => _spec.AffinityClaimTime;

    public ulong SequenceNumber => _spec.SequenceNumber;

    public IReadOnlyList<int> Unallocated => _spec.Unallocated;

    /// <summary>Ordinals that are not free: allocated or cooling down (Calico's IN USE).</summary>
    public int InUse => Size - _spec.Unallocated.Count;

    /// <summary>Empty when every allocation belongs to the host-reserved handle (cooling-down addresses count as used).</summary>
    public bool IsEmpty
    {
        get
        {
            foreach (var index in _spec.Allocations)
            {
                if (index is { } i && !IsHostReserved(_spec.Attributes[i])) return false;
            }
            return true;
        }
    }

    public static IpamBlock Create(Cidr cidr, string? affinity, DateTime claimTime, ulong sequenceNumber, HostReservedAttr? reserved = null)
    {
        if (cidr.HostBits > 12) throw new IpamException(IpamErrorCode.InvalidArgument, $"block {cidr} is larger than 4096 addresses");
        var size = 1 << cidr.HostBits;
        var spec = new IPAMBlockSpec
        {
            Cidr = cidr.ToString(),
            Affinity = affinity,
            AffinityClaimTime = affinity is null ? null : claimTime,
            Allocations = new List<int?>(new int?[size]),
            Unallocated = Enumerable.Range(0, size).ToList(),
            SequenceNumber = sequenceNumber,
            SequenceNumberForAllocation = [],
        };
        if (reserved is not null && reserved.StartOfBlock + reserved.EndOfBlock > 0)
        {
            if (reserved.StartOfBlock + reserved.EndOfBlock >= size)
                throw new IpamException(IpamErrorCode.InvalidArgument, $"block {cidr} has no room beyond its {reserved.StartOfBlock}+{reserved.EndOfBlock} host-reserved addresses");
            spec.Attributes.Add(new AllocationAttribute
            {
                HandleId = reserved.Handle,
                Secondary = new Dictionary<string, string> { ["note"] = reserved.Note },
            });
            var held = Enumerable.Range(0, reserved.StartOfBlock).Concat(Enumerable.Range(size - reserved.EndOfBlock, reserved.EndOfBlock)).ToHashSet();
            foreach (var o in held) spec.Allocations[o] = 0;
            spec.Unallocated.RemoveAll(held.Contains);
        }
        return new IpamBlock(cidr, spec);
    }

    public static IpamBlock FromSpec(IPAMBlockSpec spec)
    {
        if (!Cidr.TryParse(spec.Cidr, out var cidr, out var error)) throw new InvalidDataException($"IPAM block: {error}");
        return new IpamBlock(cidr, spec);
    }

    /// <summary>A copy of the stored shape, for writing.</summary>
    public IPAMBlockSpec ToSpec() => Clone(_spec);

    public IPAddress AddressOf(int ordinal) => Cidr.AddressAt((UInt128)ordinal);

    public int OrdinalOf(IPAddress address)
    {
        if (!Cidr.Contains(address)) throw new IpamException(IpamErrorCode.InvalidArgument, $"{address} is not in block {Cidr}");
        return (int)Cidr.OffsetOf(address);
    }

    public AllocationAttribute? AttributeOf(int ordinal) => _spec.Allocations[ordinal] is { } i ? _spec.Attributes[i] : null;

    public ulong? SequenceNumberOf(int ordinal) =>
        _spec.SequenceNumberForAllocation?.TryGetValue(Key(ordinal), out var seq) == true ? seq : null;

    /// <summary>Allocated ordinals with their owners, cooling-down ones included (their owner has a release time).</summary>
    public IEnumerable<(int Ordinal, AllocationAttribute Attribute)> Allocations()
    {
        for (var o = 0; o < _spec.Allocations.Count; o++)
        {
            if (_spec.Allocations[o] is { } i) yield return (o, _spec.Attributes[i]);
        }
    }

    /// <summary>Free ordinals an automatic assignment may take (reserved ones excluded).</summary>
    public int FreeCount(Func<int, bool>? isReserved = null) =>
        isReserved is null ? _spec.Unallocated.Count : _spec.Unallocated.Count(o => !isReserved(o));

    /// <summary>The same block with the write counter advanced; the store layer calls it before every write.</summary>
    public IpamBlock NextSequence()
    {
        var spec = Clone(_spec);
        spec.SequenceNumber++;
        return new IpamBlock(Cidr, spec);
    }

    public IpamBlock WithAffinity(string? affinity, DateTime? claimTime)
    {
        var spec = Clone(_spec);
        spec.Affinity = affinity;
        spec.AffinityClaimTime = claimTime;
        spec.HostAffinity = null;
        return new IpamBlock(Cidr, spec);
    }

    /// <summary>
    /// Takes up to <paramref name="count"/> ordinals from the front of the free list, skipping reserved ones (which keep
    /// their place), and gives them to <paramref name="handle"/>.
    /// </summary>
    public (IpamBlock Block, IReadOnlyList<int> Ordinals) AutoAssign(int count, string? handle,
        IReadOnlyDictionary<string, string>? attributes, Func<int, bool>? isReserved = null)
    {
        var chosen = new List<int>(Math.Min(count, _spec.Unallocated.Count));
        foreach (var o in _spec.Unallocated)
        {
            if (chosen.Count == count) break;
            if (isReserved?.Invoke(o) != true) chosen.Add(o);
        }
        if (chosen.Count == 0) return (this, chosen);
        var spec = Clone(_spec);
        var index = AttributeIndex(spec, handle, attributes);
        var taken = chosen.ToHashSet();
        spec.Unallocated.RemoveAll(taken.Contains);
        foreach (var o in chosen) Stamp(spec, o, index);
        return (new IpamBlock(Cidr, spec), chosen);
    }

    /// <summary>Gives one specific ordinal to <paramref name="handle"/>; holding it already under the same handle is success.</summary>
    public IpamBlock Assign(int ordinal, string? handle, IReadOnlyDictionary<string, string>? attributes)
    {
        if (AttributeOf(ordinal) is { } owner)
        {
            if (owner.ReleasedAt is null && handle is not null && owner.HandleId == handle) return this;
            throw new IpamException(IpamErrorCode.AlreadyAssigned, $"Address already assigned in block: {AddressOf(ordinal)}");
        }
        var spec = Clone(_spec);
        spec.Unallocated.Remove(ordinal);
        Stamp(spec, ordinal, AttributeIndex(spec, handle, attributes));
        return new IpamBlock(Cidr, spec);
    }

    /// <summary>
    /// Releases addresses. A sequence number or handle that does not match fails the whole request for this block
    /// (Calico's ABA protection). Released ordinals keep a release time until <see cref="CollectCooledDown"/> frees them.
    /// </summary>
    public (IpamBlock Block, ReleaseOutcome Outcome) Release(IEnumerable<ReleaseRequest> requests, DateTime now)
    {
        var released = new List<(int Ordinal, string? Handle)>();
        var notAllocated = new List<IPAddress>();
        var seen = new HashSet<int>();
        foreach (var request in requests)
        {
            var ordinal = OrdinalOf(request.Address);
            if (!seen.Add(ordinal)) continue;
            var owner = AttributeOf(ordinal);
            if (owner is null || owner.ReleasedAt is not null)
            {
                notAllocated.Add(request.Address);
                continue;
            }
            if (request.SequenceNumber is { } seq && SequenceNumberOf(ordinal) is { } actual && actual != seq)
                throw new IpamException(IpamErrorCode.BadSequenceNumber,
                    $"update conflict: {request.Address} was allocated at sequence number {actual}, the release names {seq}");
            if (request.Handle is { } h && owner.HandleId != h)
                throw new IpamException(IpamErrorCode.BadHandle,
                    $"update conflict: {request.Address} belongs to handle {owner.HandleId}, the release names {h}");
            released.Add((ordinal, owner.HandleId));
        }
        var block = released.Count == 0 ? this : MarkReleased(released.Select(r => r.Ordinal), now);
        return (block, new ReleaseOutcome(released, notAllocated));
    }

    /// <summary>Releases every address held by <paramref name="handle"/>; with a sequence number, only those allocated at it.</summary>
    public (IpamBlock Block, int Released) ReleaseByHandle(string handle, DateTime now, ulong? sequenceNumber = null)
    {
        var ordinals = Allocations()
            .Where(a => a.Attribute.ReleasedAt is null && a.Attribute.HandleId == handle
                        && (sequenceNumber is null || SequenceNumberOf(a.Ordinal) == sequenceNumber))
            .Select(a => a.Ordinal).ToList();
        return ordinals.Count == 0 ? (this, 0) : (MarkReleased(ordinals, now), ordinals.Count);
    }

    /// <summary>Frees released ordinals whose cooldown has passed: to the back of the free list, in ordinal order.</summary>
    public IpamBlock CollectCooledDown(DateTime now, TimeSpan cooldown)
    {
        List<int>? cooled = null;
        foreach (var (ordinal, attribute) in Allocations())
        {
            if (attribute.ReleasedAt is { } at && now - at >= cooldown) (cooled ??= []).Add(ordinal);
        }
        if (cooled is null) return this;
        var spec = Clone(_spec);
        foreach (var o in cooled)
        {
            spec.Allocations[o] = null;
            spec.Unallocated.Add(o);
            spec.SequenceNumberForAllocation?.Remove(Key(o));
        }
        CompactAttributes(spec);
        return new IpamBlock(Cidr, spec);
    }

    /// <summary>Structural problems, as <c>calicoctl ipam check</c> reports them; empty when the block is sound.</summary>
    public IReadOnlyList<string> Validate(DateTime now)
    {
        var problems = new List<string>();
        var expected = Cidr.HostBits <= 12 ? 1 << Cidr.HostBits : -1;
        if (Size != expected) problems.Add($"has {Size} allocation slots, expected {expected}");
        var referenced = new HashSet<int>();
        var allocated = 0;
        for (var o = 0; o < _spec.Allocations.Count; o++)
        {
            if (_spec.Allocations[o] is not { } i) continue;
            allocated++;
            if (i < 0 || i >= _spec.Attributes.Count) problems.Add($"ordinal {o} points at missing attribute {i}");
            else referenced.Add(i);
        }
        for (var i = 0; i < _spec.Attributes.Count; i++)
        {
            if (!referenced.Contains(i)) problems.Add($"attribute {i} is not referenced by any allocation");
            if (_spec.Attributes[i].ReleasedAt > now) problems.Add($"attribute {i} was released in the future ({_spec.Attributes[i].ReleasedAt:O})");
        }
        var free = new HashSet<int>();
        foreach (var o in _spec.Unallocated)
        {
            if (o < 0 || o >= Size) problems.Add($"unallocated ordinal {o} is out of range");
            else if (!free.Add(o)) problems.Add($"unallocated ordinal {o} is listed twice");
            else if (_spec.Allocations[o] is not null) problems.Add($"ordinal {o} is both allocated and unallocated");
        }
        if (_spec.Unallocated.Count + allocated != Size)
            problems.Add($"{_spec.Unallocated.Count} unallocated + {allocated} allocated != {Size} addresses");
        return problems;
    }

    private IpamBlock MarkReleased(IEnumerable<int> ordinals, DateTime now)
    {
        var spec = Clone(_spec);
        spec.Attributes.Add(new AllocationAttribute { ReleasedAt = now });
        var index = spec.Attributes.Count - 1;
        foreach (var o in ordinals) Stamp(spec, o, index);
        CompactAttributes(spec);
        return new IpamBlock(Cidr, spec);
    }

    private static void Stamp(IPAMBlockSpec spec, int ordinal, int attributeIndex)
    {
        spec.Allocations[ordinal] = attributeIndex;
        (spec.SequenceNumberForAllocation ??= [])[Key(ordinal)] = spec.SequenceNumber;
    }

    /// <summary>Allocations with the same handle and attributes share one attribute entry, as in Calico.</summary>
    private static int AttributeIndex(IPAMBlockSpec spec, string? handle, IReadOnlyDictionary<string, string>? attributes)
    {
        for (var i = 0; i < spec.Attributes.Count; i++)
        {
            var a = spec.Attributes[i];
            if (a.ReleasedAt is null && a.AlternateOwnerAttrs is null && a.HandleId == handle && SameAttributes(a.Secondary, attributes)) return i;
        }
        spec.Attributes.Add(new AllocationAttribute
        {
            HandleId = handle,
            Secondary = attributes is { Count: > 0 } ? new Dictionary<string, string>(attributes) : null,
        });
        return spec.Attributes.Count - 1;
    }

    private static bool SameAttributes(Dictionary<string, string>? a, IReadOnlyDictionary<string, string>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0)) return false;
        if (a is null || b is null) return true;
        foreach (var (k, v) in a)
        {
            if (!b.TryGetValue(k, out var other) || other != v) return false;
        }
        return true;
    }

    private static void CompactAttributes(IPAMBlockSpec spec)
    {
        var remap = new int[spec.Attributes.Count];
        Array.Fill(remap, -1);
        var kept = new List<AllocationAttribute>();
        for (var o = 0; o < spec.Allocations.Count; o++)
        {
            if (spec.Allocations[o] is not { } i) continue;
            if (remap[i] < 0)
            {
                remap[i] = kept.Count;
                kept.Add(spec.Attributes[i]);
            }
            spec.Allocations[o] = remap[i];
        }
        spec.Attributes = kept;
    }

    private static bool IsHostReserved(AllocationAttribute attribute) =>
        string.Equals(attribute.HandleId, HostReservedAttr.WindowsHandle, StringComparison.OrdinalIgnoreCase);

    private static string Key(int ordinal) => ordinal.ToString(CultureInfo.InvariantCulture);

    private static IPAMBlockSpec Clone(IPAMBlockSpec s) => new()
    {
        Cidr = s.Cidr,
        Affinity = s.Affinity,
        AffinityClaimTime = s.AffinityClaimTime,
        Allocations = [.. s.Allocations],
        Unallocated = [.. s.Unallocated],
        Attributes = [.. s.Attributes],
        SequenceNumber = s.SequenceNumber,
        SequenceNumberForAllocation = s.SequenceNumberForAllocation is null ? null : new Dictionary<string, ulong>(s.SequenceNumberForAllocation),
        Deleted = s.Deleted,
        StrictAffinity = false,
        HostAffinity = s.HostAffinity,
        Extra = s.Extra,
    };
}
