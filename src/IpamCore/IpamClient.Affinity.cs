using CniNet.Datastore;
using CniNet.Model.Ipam;
using CniNet.Model.Net;
using CniNet.Model.Resources;

namespace CniNet.IpamCore;

public sealed partial class IpamClient
{
    /// <summary>
    /// Gives up a host's claim on one block (Calico's releaseBlockAffinity): the affinity goes to pendingDeletion, then
    /// the block is deleted when empty or made unaffine, and the affinity is removed.
    /// </summary>
    public async Task ReleaseBlockAffinityAsync(string host, Cidr cidr, bool requireEmpty, CancellationToken ct = default)
    {
        for (var attempt = 0; attempt < DatastoreRetries; attempt++)
        {
            var read = await Store.ReadAsync([ReadOp.Get(IpamObjects.AffinityKey(host, cidr)), ReadOp.Get(IpamObjects.BlockKey(cidr))], ct);
            var affinity = IpamObjects.DecodeAffinity(read.Single(0))
                           ?? throw new IpamException(IpamErrorCode.NotFound, $"host {host} has no affinity for block {cidr}");
            var stored = DecodeBlock(read.Single(1));
            try
            {
                if (stored is null || stored.Block.AffinityHost != host)
                {
                    await Store.CommitAsync([ResourceCodec.Delete(ResourceKinds.BlockAffinity, affinity)], ct);
                    if (stored is null) return;
                    throw new IpamException(IpamErrorCode.AffinityMismatch, $"block {cidr} is claimed by another host");
                }
                if (requireEmpty && !stored.Block.IsEmpty)
                    throw new IpamException(IpamErrorCode.InvalidArgument, $"block {cidr} is not empty");
                var pending = await Store.CommitAsync([IpamObjects.UpdateAffinity(affinity, BlockAffinitySpec.PendingDeletion)], ct);
                var pendingAffinity = ResourceCodec.Decode<BlockAffinity>(ResourceKinds.BlockAffinity, pending[0]!);
                var blockOp = stored.Block.IsEmpty
                    ? IpamObjects.DeleteBlock(stored)
                    : IpamObjects.UpdateBlock(stored, stored.Block.WithAffinity(null, null));
                await Store.CommitAsync([blockOp, ResourceCodec.Delete(ResourceKinds.BlockAffinity, pendingAffinity)], ct);
                return;
            }
            catch (DatastoreException e) when (e.Code is DatastoreErrorCode.Conflict or DatastoreErrorCode.NotFound)
            {
                CountConflict();
            }
        }
        throw new IpamException(IpamErrorCode.TooManyRetries, "Max retries hit - excessive concurrent IPAM requests");
    }

    /// <summary>Releases every block affinity of a host, IPv4 then IPv6; best effort, the last error is thrown at the end.</summary>
    public async Task ReleaseHostAffinitiesAsync(string host, bool mustBeEmpty, CancellationToken ct = default)
    {
        var (entries, _) = await Store.ListAsync(ResourceKinds.BlockAffinity.StoreKind, namePrefix: IpamNames.AffinityPrefix(host), ct: ct);
        var cidrs = entries.Select(IpamObjects.DecodeAffinity).OfType<BlockAffinity>().Where(a => a.Spec.Node == host)
            .Select(a => Cidr.TryParse(a.Spec.Cidr, out var c, out _) ? c : (Cidr?)null).OfType<Cidr>().Order().ToList();
        _affineBlockHints.TryRemove(host, out _);
        IpamException? last = null;
        foreach (var cidr in cidrs)
        {
            try
            {
                await ReleaseBlockAffinityAsync(host, cidr, mustBeEmpty, ct);
            }
            catch (IpamException e)
            {
                last = e;
            }
        }
        if (last is not null) throw last;
    }
}
