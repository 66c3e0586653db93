using System.Collections.Concurrent;
using CniNet.Datastore;
using CniNet.Model.Ipam;
using CniNet.Model.Net;
using CniNet.Model.Network;
using CniNet.Model.Resources;

namespace CniNet.IpamCore;

/// <summary>
/// Calico's IPAM over the datastore seam: reads what it needs in one batch, applies pure <see cref="IpamBlock"/>
/// transitions, and writes block and handle together in one compare-and-swap commit, retrying a bounded number of times
/// on conflict. A warm assignment (the host already owns a block with room) costs two round trips: the batch read and
/// the commit. The client remembers, per host, the blocks it last assigned from that still had room, so the first read
/// can already fetch them; the hint only saves a round trip, correctness never depends on it.
/// </summary>
public sealed partial class IpamClient
{
    /// <summary>Calico bounds every compare-and-swap loop by this many attempts.</summary>
    public const int DatastoreRetries = 100;

    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, Cidr[]> _affineBlockHints = new();
    private readonly RevisionCache<StoredBlock> _blockCache = new(1024);
    private readonly RevisionCache<BlockAffinity> _affinityCache = new(1024);
    private readonly RevisionCache<PoolInfo> _poolCache = new(256);
    private long _conflicts;

    public IpamClient(IDatastore store, TimeProvider? clock = null)
    {
        Store = store;
        _clock = clock ?? TimeProvider.System;
        Queues = new AssignmentQueues(this);
    }

    public IDatastore Store { get; }

    /// <summary>
    /// Compare-and-swap commits this client lost to another writer since it was created (each one re-read and retried,
    /// or given up when the other writer's result made it moot): the contention the allocator absorbed.
    /// </summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    internal void CountConflict() => Interlocked.Increment(ref _conflicts);

    internal TimeProvider Clock => _clock;

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Assigns <see cref="AutoAssignArgs.Num4"/> IPv4 then <see cref="AutoAssignArgs.Num6"/> IPv6 addresses. A hard
    /// failure in IPv4 stops before IPv6; a shortfall is reported in the result, not thrown.
    /// </summary>
    /// <remarks>
    /// Concurrent calls for one host on this client are committed together (<see cref="AssignmentQueues"/>): share one
    /// client between the tasks of a process that assign at once.
    /// </remarks>
    public Task<(IpamAssignments V4, IpamAssignments V6)> AutoAssignAsync(AutoAssignArgs args, CancellationToken ct = default) =>
        Queues.RunAsync(new QueuedAssignment(args, null), () => AssignUnqueuedAsync(args, ct));

    internal AssignmentQueues Queues { get; }

    /// <summary>One request by the general algorithm, outside the host's queue (inside a queued turn, or its fallback).</summary>
    private async Task<(IpamAssignments V4, IpamAssignments V6)> AssignUnqueuedAsync(AutoAssignArgs args, CancellationToken ct)
    {
        Validate(args);
        var session = await AssignSession.OpenAsync(this, args.Hostname, args.HandleId is null ? [] : [args.HandleId], args.Attrs, args.IntendedUse,
            args.Namespace, args.NamespaceLabels, PreferredBlocks(args.Hostname, args.IntendedUse), ct);
        var result = await AssignAsync(session, args, ct);
        RememberPreferred(session);
        return result;
    }

    /// <summary>
    /// The first round trip of an assignment for <paramref name="handleId"/> on <paramref name="hostname"/>, with the
    /// caller's own reads added to the same batch; see <see cref="PreparedAssignment"/>.
    /// </summary>
    public async Task<PreparedAssignment> PrepareAsync(string hostname, string? handleId, IReadOnlyList<ReadOp> extraReads,
        string intendedUse = IPPoolSpec.UseWorkload, CancellationToken ct = default)
    {
        var session = await AssignSession.OpenAsync(this, hostname, handleId is null ? [] : [handleId], null, intendedUse, null, null,
            PreferredBlocks(hostname, intendedUse), ct, extraReads);
        return new PreparedAssignment(this, session);
    }

    internal static void Validate(AutoAssignArgs args)
    {
        if (string.IsNullOrEmpty(args.IntendedUse)) throw new IpamException(IpamErrorCode.InvalidArgument, "intended use must be set");
        if (args.Num4 < 0 || args.Num6 < 0) throw new IpamException(IpamErrorCode.InvalidArgument, "number of addresses must not be negative");
        if (args.IPv4Pools?.Any(p => p.IsV6) == true || args.IPv6Pools?.Any(p => !p.IsV6) == true)
            throw new IpamException(IpamErrorCode.InvalidArgument, "requested pools must be of the requested IP family");
    }

    internal async Task<(IpamAssignments V4, IpamAssignments V6)> AssignAsync(AssignSession session, AutoAssignArgs args, CancellationToken ct)
    {
        var v4 = args.Num4 > 0
            ? await session.AssignFamilyAsync(false, args.Num4, args.IPv4Pools, args.HostReservedAttrIPv4s, args.MaxBlocksPerHost, ct)
            : Nothing(4, args.HostReservedAttrIPv4s);
        var v6 = args.Num6 > 0
            ? await session.AssignFamilyAsync(true, args.Num6, args.IPv6Pools, args.HostReservedAttrIPv6s, args.MaxBlocksPerHost, ct)
            : Nothing(6, args.HostReservedAttrIPv6s);
        return (v4, v6);
    }

    /// <summary>
    /// Blocks of the host that last had room: the next assignment reads them in its first round trip. A process that
    /// lives for one assignment (the CNI plugin) carries them over in a node-local file through these two methods.
    /// </summary>
    public Cidr[] PreferredBlocks(string hostname, string intendedUse = IPPoolSpec.UseWorkload) =>
        _affineBlockHints.GetValueOrDefault(SessionHost(hostname, intendedUse)) ?? [];

    public void Prefer(string hostname, IEnumerable<Cidr> blocks, string intendedUse = IPPoolSpec.UseWorkload) =>
        _affineBlockHints[SessionHost(hostname, intendedUse)] = [.. blocks];

    internal void RememberPreferred(AssignSession session) => _affineBlockHints[session.Host] = session.PreferredBlocks();

    /// <summary>Assigns one given address, claiming its block for the host when the block does not exist yet.</summary>
    public async Task AssignIPAsync(AssignIPArgs args, CancellationToken ct = default)
    {
        var session = await AssignSession.OpenAsync(this, args.Hostname, args.HandleId is null ? [] : [args.HandleId], args.Attrs, args.IntendedUse, null, null, [], ct);
        await session.AssignExplicitAsync(args.IP, ct);
    }

    private static IpamAssignments Nothing(int version, HostReservedAttr? reserved) => new(version, 0, [], [], reserved);

    /// <summary>LoadBalancer addresses are held under the virtual host <c>load-balancer</c>, as Calico's controller does.</summary>
    internal static string SessionHost(string hostname, string use) => use == IPPoolSpec.UseLoadBalancer ? "load-balancer" : hostname;

    internal static string AffinityType(string use) => use == IPPoolSpec.UseLoadBalancer ? "virtual" : "host";

    /// <summary>The stored IPAM settings, or Calico's defaults when none are stored (defaults are not persisted).</summary>
    public async Task<IPAMConfigSpec> GetConfigAsync(CancellationToken ct = default) =>
        DecodeConfig(await Store.GetAsync(IpamObjects.ConfigKey, ct))?.Spec ?? new IPAMConfigSpec();

    internal static IPAMConfig? DecodeConfig(KvEntry? entry) =>
        entry is null ? null : ResourceCodec.Decode<IPAMConfig>(ResourceKinds.IPAMConfig, entry);

    /// <summary>Stores IPAM settings after Calico's cross-field checks; unchanged settings write nothing.</summary>
    public async Task SetConfigAsync(IPAMConfigSpec spec, CancellationToken ct = default)
    {
        var problems = IpamConfigRules.Validate(spec);
        if (problems.Count > 0) throw new IpamException(IpamErrorCode.InvalidArgument, string.Join("; ", problems));
        for (var attempt = 0; attempt < DatastoreRetries; attempt++)
        {
            var current = DecodeConfig(await Store.GetAsync(IpamObjects.ConfigKey, ct));
            if (current is not null && IpamConfigRules.Same(current.Spec, spec)) return;
            var next = new IPAMConfig { Metadata = current?.Metadata ?? new ObjectMeta { Name = IPAMConfig.SingletonName }, Spec = spec };
            try
            {
                await Store.CommitAsync([current is null ? ResourceCodec.Create(ResourceKinds.IPAMConfig, next) : ResourceCodec.Update(ResourceKinds.IPAMConfig, next)], ct);
                return;
            }
            catch (DatastoreException e) when (e.Code is DatastoreErrorCode.Conflict or DatastoreErrorCode.AlreadyExists)
            {
                CountConflict();
            }
        }
        throw new IpamException(IpamErrorCode.TooManyRetries, "Max retries hit - excessive concurrent IPAM requests");
    }

    /// <summary>
    /// A stored block, decoded once per revision: a read that returns the revision this client last wrote or read is
    /// served from memory (on a warm node that is almost every read).
    /// </summary>
    internal StoredBlock? DecodeBlock(KvEntry? entry) => entry is null ? null : _blockCache.Get(entry, IpamObjects.DecodeBlock);

    internal StoredBlock Remember(StoredBlock block) =>
        _blockCache.Put(IpamObjects.BlockKey(block.Block.Cidr), block.Revision, block.Resource.Metadata.Uid ?? "", block)!;

    /// <summary>A host's affinities are read on every assignment; unchanged ones are not decoded again.</summary>
    internal BlockAffinity? DecodeAffinity(KvEntry entry) => _affinityCache.Get(entry, IpamObjects.DecodeAffinity);

    /// <summary>Pools with their selectors parsed, once per pool revision.</summary>
    internal List<PoolInfo> DecodePools(IEnumerable<KvEntry> entries) =>
        entries.Select(e => _poolCache.Get(e, IpamObjects.DecodePool)).OfType<PoolInfo>().ToList();

    /// <summary>Reads several blocks in one round trip; absent (or soft-deleted) blocks map to null.</summary>
    internal async Task<Dictionary<Cidr, StoredBlock?>> ReadBlocksAsync(IReadOnlyCollection<Cidr> cidrs, CancellationToken ct)
    {
        var found = new Dictionary<Cidr, StoredBlock?>();
        if (cidrs.Count == 0) return found;
        var ordered = cidrs.ToList();
        var result = await Store.ReadAsync(ordered.Select(c => ReadOp.Get(IpamObjects.BlockKey(c))).ToList(), ct);
        for (var i = 0; i < ordered.Count; i++) found[ordered[i]] = DecodeBlock(result.Single(i));
        return found;
    }
}
