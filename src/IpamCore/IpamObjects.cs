using CniNet.Datastore;
using CniNet.Model.Ipam;
using CniNet.Model.Net;
using CniNet.Model.Network;
using CniNet.Model.Resources;

namespace CniNet.IpamCore;

/// <summary>A block as read from the store: the value, and the stored object it came from (revision, UID, metadata).</summary>
internal sealed record StoredBlock(IpamBlock Block, IPAMBlock Resource)
{
    public long Revision { get; } = ResourceCodec.RevisionOf(Resource);

    /// <summary>The block as a write of <paramref name="next"/> over this one left it, without decoding what was written.</summary>
    public StoredBlock After(IpamBlock next, KvEntry written)
    {
        var meta = Resource.Metadata;
        var resource = new IPAMBlock
        {
            ApiVersion = Resource.ApiVersion, Kind = Resource.Kind, Extra = Resource.Extra,
            Metadata = new ObjectMeta
            {
                Name = meta.Name, Labels = meta.Labels, Annotations = meta.Annotations, Finalizers = meta.Finalizers, Extra = meta.Extra,
                ResourceVersion = written.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture), Uid = written.Uid,
                CreationTimestamp = written.Created,
            },
        };
        var block = next.NextSequence();
        resource.Spec = block.ToSpec();
        return new StoredBlock(block, resource);
    }
}

/// <summary>Encoding of IPAM objects and the compare-and-swap writes on them. No allocation logic lives here.</summary>
internal static class IpamObjects
{
    public static ResourceKey BlockKey(Cidr cidr) => ResourceKey.Cluster(ResourceKinds.IPAMBlock.StoreKind, IpamNames.Block(cidr));

    public static ResourceKey AffinityKey(string host, Cidr cidr) =>
        ResourceKey.Cluster(ResourceKinds.BlockAffinity.StoreKind, IpamNames.Affinity(host, cidr));

    public static ResourceKey HandleKey(string handleId) => ResourceKey.Cluster(ResourceKinds.IPAMHandle.StoreKind, IpamNames.Handle(handleId));

    public static ResourceKey ConfigKey => ResourceKey.Cluster(ResourceKinds.IPAMConfig.StoreKind, IPAMConfig.SingletonName);

    /// <summary>A soft-deleted object (Calico's two-step delete in Kubernetes) reads as absent.</summary>
    public static StoredBlock? DecodeBlock(KvEntry? entry)
    {
        if (entry is null) return null;
        var resource = ResourceCodec.Decode<IPAMBlock>(ResourceKinds.IPAMBlock, entry);
        return resource.Spec.Deleted ? null : new StoredBlock(IpamBlock.FromSpec(resource.Spec), resource);
    }

    /// <summary>A pool in its usable form, or null when it cannot be used.</summary>
    public static PoolInfo? DecodePool(KvEntry entry) => PoolInfo.From(ResourceCodec.Decode<IPPool>(ResourceKinds.IPPool, entry));

    public static BlockAffinity? DecodeAffinity(KvEntry? entry)
    {
        if (entry is null) return null;
        var affinity = ResourceCodec.Decode<BlockAffinity>(ResourceKinds.BlockAffinity, entry);
        return affinity.Spec.Deleted == "true" ? null : affinity;
    }

    public static IPAMHandle? DecodeHandle(KvEntry? entry)
    {
        if (entry is null) return null;
        var handle = ResourceCodec.Decode<IPAMHandle>(ResourceKinds.IPAMHandle, entry);
        return handle.Spec.Deleted ? null : handle;
    }

    public static WriteOp CreateBlock(IpamBlock block) =>
        ResourceCodec.Create(ResourceKinds.IPAMBlock, new IPAMBlock { Metadata = new ObjectMeta { Name = IpamNames.Block(block.Cidr) }, Spec = block.ToSpec() });

    /// <summary>Writes <paramref name="next"/> over <paramref name="stored"/>, bumping the block's sequence number as Calico does on every write.</summary>
    public static WriteOp UpdateBlock(StoredBlock stored, IpamBlock next)
    {
        var resource = new IPAMBlock { Metadata = stored.Resource.Metadata, Spec = next.NextSequence().ToSpec(), Extra = stored.Resource.Extra };
        return ResourceCodec.Update(ResourceKinds.IPAMBlock, resource);
    }

    public static WriteOp DeleteBlock(StoredBlock stored) => ResourceCodec.Delete(ResourceKinds.IPAMBlock, stored.Resource);

    public static BlockAffinity NewAffinity(string host, Cidr cidr, string state, string type = "host") => new()
    {
        Metadata = new ObjectMeta { Name = IpamNames.Affinity(host, cidr) },
        Spec = new BlockAffinitySpec { State = state, Node = host, Type = type, Cidr = cidr.ToString(), Deleted = "false" },
    };

    public static WriteOp UpdateAffinity(BlockAffinity affinity, string state)
    {
        var next = new BlockAffinity
        {
            Metadata = affinity.Metadata,
            Spec = new BlockAffinitySpec
            {
                State = state, Node = affinity.Spec.Node, Type = affinity.Spec.Type, Cidr = affinity.Spec.Cidr,
                Deleted = affinity.Spec.Deleted, Extra = affinity.Spec.Extra,
            },
            Extra = affinity.Extra,
        };
        return ResourceCodec.Update(ResourceKinds.BlockAffinity, next);
    }

    /// <summary>
    /// The write that moves a handle's count in each given block by its delta: create, update, or delete when no
    /// address is left. Null when nothing changes.
    /// </summary>
    public static WriteOp? AdjustHandle(IPAMHandle? handle, string handleId, IEnumerable<(Cidr Block, int Delta)> deltas)
    {
        var changes = deltas.Where(d => d.Delta != 0).ToList();
        if (changes.Count == 0) return null;
        var counts = handle is null ? new Dictionary<string, int>() : new Dictionary<string, int>(handle.Spec.Block);
        foreach (var (block, delta) in changes)
        {
            var key = block.ToString();
            var now = counts.GetValueOrDefault(key) + delta;
            if (now > 0) counts[key] = now;
            else counts.Remove(key);
        }
        if (handle is null)
        {
            return counts.Count == 0
                ? null
                : ResourceCodec.Create(ResourceKinds.IPAMHandle, new IPAMHandle
                {
                    Metadata = new ObjectMeta { Name = IpamNames.Handle(handleId) },
                    Spec = new IPAMHandleSpec { HandleId = handleId, Block = counts },
                });
        }
        if (counts.Count == 0) return ResourceCodec.Delete(ResourceKinds.IPAMHandle, handle);
        return ResourceCodec.Update(ResourceKinds.IPAMHandle, new IPAMHandle
        {
            Metadata = handle.Metadata,
            Spec = new IPAMHandleSpec { HandleId = handle.Spec.HandleId, Block = counts, Extra = handle.Spec.Extra },
            Extra = handle.Extra,
        });
    }

    /// <summary>Handle IDs are cut at the first carriage return (a host-local migration bug left some with one).</summary>
    public static string SanitizeHandle(string handleId)
    {
        var cr = handleId.IndexOf('\r');
        return cr < 0 ? handleId : handleId[..cr];
    }
}
