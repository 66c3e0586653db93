using System.Net;

namespace CniNet.IpamCore;

/// <summary>An address to release, optionally guarded by the handle and allocation sequence number the caller saw.</summary>
public sealed record ReleaseRequest(IPAddress Address, string? Handle = null, ulong? SequenceNumber = null);

/// <summary>What a block release did: the ordinals freed (with their handles) and the addresses that were not allocated.</summary>
public sealed record ReleaseOutcome(IReadOnlyList<(int Ordinal, string? Handle)> Released, IReadOnlyList<IPAddress> NotAllocated);
