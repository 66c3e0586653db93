using CniNet.Model.Net;

namespace CniNet.IpamCore;

/// <summary>
/// One block's addresses split four ways that always add up to its size: in use (allocated or cooling down),
/// reserved (free but held back by an IPReservation), free (assignable); borrowed counts the in-use addresses that
/// belong to a node other than the block's owner.
/// </summary>
public sealed record BlockUtilization(Cidr Cidr, string? Host, int Total, int InUse, int Reserved, int Free, int Borrowed);

/// <summary>A pool's totals over its whole CIDR, carved into blocks or not.</summary>
public sealed record PoolUtilization(string Name, Cidr Cidr, UInt128 Total, UInt128 InUse, UInt128 Reserved, UInt128 Free, IReadOnlyList<BlockUtilization> Blocks);

public sealed record UtilizationReport(IReadOnlyList<PoolUtilization> Pools, IReadOnlyList<BlockUtilization> OrphanBlocks);
