using System.Net;
using CniNet.Datastore;
using CniNet.Model.Ipam;
using CniNet.Model.Net;
using CniNet.Model.Network;
using CniNet.Model.Resources;

namespace CniNet.IpamCore;

public sealed partial class IpamClient
{
    /// <summary>
    /// Releases addresses, each optionally guarded by handle and sequence number. Returns the addresses that were not
    /// allocated. Blocks are processed independently; a guard mismatch fails its block (and is thrown after the rest
    /// are done). A block left empty and unaffine is deleted; handle counts move in the same commit as the block.
    /// </summary>
    public async Task<IReadOnlyList<IPAddress>> ReleaseIPsAsync(IReadOnlyList<ReleaseRequest> requests, CancellationToken ct = default)
    {
        var read = await Store.ReadAsync([ReadOp.Get(IpamObjects.ConfigKey), ReadOp.List(ResourceKinds.IPPool.StoreKind)], ct);
        var cooldown = Cooldown(read);
        var pools = DecodePools(read.Many(1));
        var notAllocated = new List<IPAddress>();
        var byBlock = new Dictionary<Cidr, List<ReleaseRequest>>();
        List<Cidr>? allBlocks = null;
        foreach (var request in requests.Select(r => r with { Handle = r.Handle is null ? null : IpamObjects.SanitizeHandle(r.Handle) }))
        {
            Cidr? block = pools.FirstOrDefault(p => p.Cidr.Contains(request.Address)) is { } pool
                ? Cidr.Containing(request.Address, pool.BlockSize)
                : (allBlocks ??= await ListBlockCidrsAsync(ct)).Where(b => b.Contains(request.Address)).Select(b => (Cidr?)b).FirstOrDefault();
            if (block is { } cidr) (byBlock.TryGetValue(cidr, out var list) ? list : byBlock[cidr] = []).Add(request);
            else notAllocated.Add(request.Address);
        }
        var blocks = await ReadBlocksAsync(byBlock.Keys, ct);
        var failures = new List<string>();
        foreach (var (cidr, blockRequests) in byBlock)
        {
            try
            {
                notAllocated.AddRange(await ReleaseInBlockAsync(blocks[cidr], cidr, blockRequests, cooldown, ct));
            }
            catch (IpamException e)
            {
                failures.Add(e.Message);
            }
        }
        if (failures.Count > 0) throw new IpamException(IpamErrorCode.BadSequenceNumber, string.Join("; ", failures));
        return notAllocated;
    }

    private async Task<List<IPAddress>> ReleaseInBlockAsync(StoredBlock? stored, Cidr cidr, List<ReleaseRequest> requests, TimeSpan cooldown, CancellationToken ct)
    {
        var handles = new Dictionary<string, IPAMHandle?>();
        for (var attempt = 0; attempt < DatastoreRetries; attempt++)
        {
            if (stored is null) return requests.Select(r => r.Address).ToList();
            var (released, outcome) = stored.Block.Release(requests, Now);
            if (outcome.Released.Count == 0) return [.. outcome.NotAllocated];
            var counts = outcome.Released.Where(r => r.Handle is not null).GroupBy(r => r.Handle!).ToDictionary(g => g.Key, g => g.Count());
            var unknown = counts.Keys.Where(h => !handles.ContainsKey(h)).ToList();
            if (unknown.Count > 0)
            {
                var read = await Store.ReadAsync(unknown.Select(h => ReadOp.Get(IpamObjects.HandleKey(h))).ToList(), ct);
                for (var i = 0; i < unknown.Count; i++) handles[unknown[i]] = IpamObjects.DecodeHandle(read.Single(i));
            }
            var ops = counts.Select(c => IpamObjects.AdjustHandle(handles[c.Key], c.Key, [(cidr, -Math.Min(c.Value, HeldIn(handles[c.Key], cidr)))]))
                .OfType<WriteOp>().ToList();
            ops.Add(BlockWrite(stored, released.CollectCooledDown(Now, cooldown)));
            try
            {
                await Store.CommitAsync(ops, ct);
                return [.. outcome.NotAllocated];
            }
            catch (DatastoreException e) when (e.Code is DatastoreErrorCode.Conflict or DatastoreErrorCode.AlreadyExists or DatastoreErrorCode.NotFound)
            {
                CountConflict();
                stored = (await ReadBlocksAsync([cidr], ct))[cidr];
                handles.Clear();
            }
        }
        throw new IpamException(IpamErrorCode.TooManyRetries, "Max retries hit - excessive concurrent IPAM requests");
    }

    /// <summary>
    /// Releases every address of a handle. Returns false when the handle does not exist (a DEL for a pod that never
    /// got an address is a success for the caller).
    /// </summary>
    public async Task<bool> ReleaseByHandleAsync(string handleId, CancellationToken ct = default)
    {
        handleId = IpamObjects.SanitizeHandle(handleId);
        var read = await Store.ReadAsync([ReadOp.Get(IpamObjects.ConfigKey), ReadOp.Get(IpamObjects.HandleKey(handleId))], ct);
        var cooldown = Cooldown(read);
        var handle = IpamObjects.DecodeHandle(read.Single(1));
        if (handle is null) return false;
        var cidrs = handle.Spec.Block.Keys.Select(k => Cidr.TryParse(k, out var c, out _) ? c : (Cidr?)null).OfType<Cidr>().ToList();
        var blocks = await ReadBlocksAsync(cidrs, ct);
        foreach (var cidr in cidrs)
        {
            var stored = blocks[cidr];
            for (var attempt = 0; ; attempt++)
            {
                if (attempt >= DatastoreRetries) throw new IpamException(IpamErrorCode.TooManyRetries, "Max retries hit - excessive concurrent IPAM requests");
                if (handle is null) return true;
                var ops = new List<WriteOp>();
                if (IpamObjects.AdjustHandle(handle, handleId, [(cidr, -HeldIn(handle, cidr))]) is { } handleOp) ops.Add(handleOp);
                if (stored is not null)
                {
                    var (released, count) = stored.Block.ReleaseByHandle(handleId, Now);
                    if (count > 0) ops.Add(BlockWrite(stored, released.CollectCooledDown(Now, cooldown)));
                }
                try
                {
                    var written = ops.Count == 0 ? [] : await Store.CommitAsync(ops, ct);
                    handle = written.Count > 0 && ops[0].Key == IpamObjects.HandleKey(handleId) ? IpamObjects.DecodeHandle(written[0]) : handle;
                    break;
                }
                catch (DatastoreException e) when (e.Code is DatastoreErrorCode.Conflict or DatastoreErrorCode.AlreadyExists or DatastoreErrorCode.NotFound)
                {
                    CountConflict();
                    var reread = await Store.ReadAsync([ReadOp.Get(IpamObjects.BlockKey(cidr)), ReadOp.Get(IpamObjects.HandleKey(handleId))], ct);
                    stored = DecodeBlock(reread.Single(0));
                    handle = IpamObjects.DecodeHandle(reread.Single(1));
                }
            }
        }
        return true;
    }

    /// <summary>The addresses a handle holds, found through the blocks its counts name.</summary>
    public async Task<IReadOnlyList<IPAddress>> IPsByHandleAsync(string handleId, CancellationToken ct = default)
    {
        handleId = IpamObjects.SanitizeHandle(handleId);
        var handle = IpamObjects.DecodeHandle(await Store.GetAsync(IpamObjects.HandleKey(handleId), ct));
        if (handle is null) return [];
        var cidrs = handle.Spec.Block.Keys.Select(k => Cidr.TryParse(k, out var c, out _) ? c : (Cidr?)null).OfType<Cidr>().ToList();
        return (await ReadBlocksAsync(cidrs, ct)).Values.OfType<StoredBlock>()
            .SelectMany(b => b.Block.Allocations().Where(a => a.Attribute.HandleId == handleId && a.Attribute.ReleasedAt is null)
                .Select(a => b.Block.AddressOf(a.Ordinal)))
            .ToList();
    }

    /// <summary>Who holds an address: its attribute and allocation sequence number, or null when it is free.</summary>
    public async Task<(AllocationAttribute Attribute, ulong? SequenceNumber, Cidr Block)?> GetAssignmentAttributesAsync(IPAddress address, CancellationToken ct = default)
    {
        var (pools, _) = await Store.ListAsync(ResourceKinds.IPPool.StoreKind, ct: ct);
        var pool = DecodePools(pools).FirstOrDefault(p => p.Cidr.Contains(address));
        var cidr = pool is not null
            ? Cidr.Containing(address, pool.BlockSize)
            : (await ListBlockCidrsAsync(ct)).Where(b => b.Contains(address)).Select(b => (Cidr?)b).FirstOrDefault();
        if (cidr is null || (await ReadBlocksAsync([cidr.Value], ct))[cidr.Value] is not { } stored) return null;
        var ordinal = stored.Block.OrdinalOf(address);
        return stored.Block.AttributeOf(ordinal) is { } attribute ? (attribute, stored.Block.SequenceNumberOf(ordinal), stored.Block.Cidr) : null;
    }

    private async Task<List<Cidr>> ListBlockCidrsAsync(CancellationToken ct)
    {
        var (entries, _) = await Store.ListAsync(ResourceKinds.IPAMBlock.StoreKind, ct: ct);
        return entries.Select(DecodeBlock).OfType<StoredBlock>().Select(b => b.Block.Cidr).ToList();
    }

    private static int HeldIn(IPAMHandle? handle, Cidr cidr) => handle?.Spec.Block.GetValueOrDefault(cidr.ToString()) ?? 0;

    /// <summary>An empty block nobody owns is deleted (Calico's release path); otherwise it is written back.</summary>
    private static WriteOp BlockWrite(StoredBlock stored, IpamBlock next) =>
        next.IsEmpty && next.Affinity is null ? IpamObjects.DeleteBlock(stored) : IpamObjects.UpdateBlock(stored, next);

    private static TimeSpan Cooldown(ReadResult read) => TimeSpan.FromSeconds(DecodeConfig(read.Single(0))?.Spec.IpCooldownSeconds ?? 0);
}
