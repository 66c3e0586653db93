using System.Net;
using CniNet.Datastore;
using CniNet.Model.Ipam;
using CniNet.Model.Kubernetes;
using CniNet.Model.Net;
using CniNet.Model.Network;
using CniNet.Model.Resources;

namespace CniNet.IpamCore;

/// <summary>
/// One assignment request: the state read in its first round trip (settings, pools, reservations, node and namespace
/// labels, the handle, the host's affinities and hinted blocks) and the compare-and-swap loops that act on it.
/// </summary>
internal sealed class AssignSession
{
    private readonly IpamClient _client;
    private string? _handleId;
    private IReadOnlyDictionary<string, string>? _attrs;
    private readonly string _use;
    private readonly string _affinityType;
    private readonly IPAMConfigSpec _config;
    private readonly List<PoolInfo> _pools;
    private readonly ReservationSet _reservations;
    private readonly IReadOnlyDictionary<string, string>? _nodeLabels;
    private IReadOnlyDictionary<string, string>? _namespaceLabels;
    private readonly Dictionary<Cidr, BlockAffinity> _affinities;
    private readonly Dictionary<Cidr, StoredBlock?> _blocks;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, IPAMHandle?> _handles;
    private List<Cidr> _preferred = [];
    private Dictionary<Cidr, (StoredBlock Read, IpamBlock Next)> _staged = [];
    private readonly List<(string Handle, Cidr Block, int Delta)> _stagedHandles = [];
    private bool _planning;

    private AssignSession(IpamClient client, string host, string? handleId, IReadOnlyDictionary<string, string>? attrs, string use,
        IPAMConfigSpec config, List<PoolInfo> pools, ReservationSet reservations, IReadOnlyDictionary<string, string>? nodeLabels,
        IReadOnlyDictionary<string, string>? namespaceLabels, Dictionary<string, IPAMHandle?> handles, Dictionary<Cidr, BlockAffinity> affinities,
        Dictionary<Cidr, StoredBlock?> blocks, TimeProvider clock)
    {
        _client = client;
        Host = host;
        _handleId = handleId;
        _attrs = attrs;
        _use = use;
        _affinityType = IpamClient.AffinityType(use);
        AffinityValue = $"{_affinityType}:{host}";
        _config = config;
        _pools = pools;
        _reservations = reservations;
        _nodeLabels = nodeLabels;
        _namespaceLabels = namespaceLabels;
        _handles = handles;
        _affinities = affinities;
        _blocks = blocks;
        _clock = clock;
    }

    public string Host { get; }

    public string? HandleId => _handleId;

    /// <summary>The current request's handle as last read or written (null when it does not exist yet).</summary>
    private IPAMHandle? Handle
    {
        get => _handleId is null ? null : _handles.GetValueOrDefault(_handleId);
        set
        {
            if (_handleId is not null) _handles[_handleId] = value;
        }
    }

    private IDatastore Store => _client.Store;

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    private TimeSpan Cooldown => TimeSpan.FromSeconds(_config.IpCooldownSeconds);

    /// <summary>The block affinity this session's blocks carry (<c>host:NODE</c>), compared on every assignment.</summary>
    private string AffinityValue { get; }

    /// <summary>
    /// The first round trip: everything an assignment reads, in one consistent batch. A batch of assignments reads the
    /// handles of all of them (<paramref name="handleIds"/>); the session starts on the first.
    /// </summary>
    public static async Task<AssignSession> OpenAsync(IpamClient client, string hostname, IReadOnlyList<string> handleIds,
        IReadOnlyDictionary<string, string>? attrs, string use, string? ns, IReadOnlyDictionary<string, string>? nsLabels,
        IReadOnlyList<Cidr> hintedBlocks, CancellationToken ct, IReadOnlyList<ReadOp>? extraReads = null)
    {
        var host = IpamClient.SessionHost(hostname, use);
        var handleIdList = handleIds.Select(IpamObjects.SanitizeHandle).Distinct().ToList();
        var ops = new List<ReadOp>
        {
            ReadOp.Get(IpamObjects.ConfigKey),
            ReadOp.List(ResourceKinds.IPPool.StoreKind),
            ReadOp.List(ResourceKinds.IPReservation.StoreKind),
            ReadOp.Get(ResourceCodec.KeyOf(ResourceKinds.Node, hostname)),
            ReadOp.Get(ResourceCodec.KeyOf(ResourceKinds.KubernetesNode, hostname)),
            ReadOp.List(ResourceKinds.BlockAffinity.StoreKind, namePrefix: IpamNames.AffinityPrefix(host)),
        };
        var firstHandle = ops.Count;
        ops.AddRange(handleIdList.Select(h => ReadOp.Get(IpamObjects.HandleKey(h))));
        var namespaceAt = ns is null || nsLabels is not null ? -1 : Add(ops, ReadOp.Get(ResourceCodec.KeyOf(ResourceKinds.Namespace, ns)));
        var firstBlock = ops.Count;
        ops.AddRange(hintedBlocks.Select(c => ReadOp.Get(IpamObjects.BlockKey(c))));
        var firstExtra = ops.Count;
        ops.AddRange(extraReads ?? []);
        var read = await client.Store.ReadAsync(ops, ct);

        var config = IpamClient.DecodeConfig(read.Single(0))?.Spec ?? new IPAMConfigSpec();
        var pools = client.DecodePools(read.Many(1));
        var reservations = ReservationSet.From(read.Many(2).Select(e => ResourceCodec.Decode<IPReservation>(ResourceKinds.IPReservation, e)));
        var nodeLabels = read.Single(3) is { } calicoNode
            ? ResourceCodec.Decode<Node>(ResourceKinds.Node, calicoNode).Metadata.Labels
            : read.Single(4) is { } k8sNode ? ResourceCodec.Decode<KubernetesNode>(ResourceKinds.KubernetesNode, k8sNode).Metadata.Labels : null;
        var affinityType = IpamClient.AffinityType(use);
        var affinities = new Dictionary<Cidr, BlockAffinity>();
        foreach (var entry in read.Many(5))
        {
            if (client.DecodeAffinity(entry) is not { } a || a.Spec.Node != host || (a.Spec.Type is { Length: > 0 } t ? t : "host") != affinityType) continue;
            if (Cidr.TryParse(a.Spec.Cidr, out var cidr, out _)) affinities[cidr] = a;
        }
        var handles = new Dictionary<string, IPAMHandle?>();
        for (var i = 0; i < handleIdList.Count; i++) handles[handleIdList[i]] = IpamObjects.DecodeHandle(read.Single(firstHandle + i));
        var namespaceLabels = nsLabels ?? (namespaceAt < 0 || read.Single(namespaceAt) is not { } nsEntry
            ? null
            : ResourceCodec.Decode<Namespace>(ResourceKinds.Namespace, nsEntry).Metadata.Labels);
        var blocks = new Dictionary<Cidr, StoredBlock?>();
        for (var i = 0; i < hintedBlocks.Count; i++) blocks[hintedBlocks[i]] = client.DecodeBlock(read.Single(firstBlock + i));
        return new AssignSession(client, host, handleIdList.FirstOrDefault(), attrs, use, config, pools, reservations, nodeLabels, namespaceLabels,
            handles, affinities, blocks, client.Clock) { Extra = new ExtraReads(read, firstExtra) };
    }

    /// <summary>What the caller's own reads in the first round trip found.</summary>
    public ExtraReads Extra { get; private init; } = null!;

    /// <summary>
    /// Points the session at one request: its handle (one the first read fetched), and the attributes and namespace
    /// labels known only after that read (the caller's reads decide them).
    /// </summary>
    public void Bind(string? handleId, IReadOnlyDictionary<string, string>? attrs, IReadOnlyDictionary<string, string>? namespaceLabels)
    {
        var id = handleId is null ? null : IpamObjects.SanitizeHandle(handleId);
        if (id is not null && !_handles.ContainsKey(id))
            throw new IpamException(IpamErrorCode.InvalidArgument, "the handle must be one the assignment was prepared for");
        _handleId = id;
        _attrs = attrs;
        _namespaceLabels = namespaceLabels;
    }

    /// <summary>
    /// From now on the session only plans: every address and handle transition is staged for one commit. A block the
    /// plan needs is still fetched, and a block to claim is still claimed (the claim's own commits touch nothing the plan
    /// staged, and the plan's commit compares every block at the revision it was read), so a batch runs on across
    /// blocks; anything else that would write (an affinity to confirm, repair or release) or borrow abandons the plan
    /// with <see cref="PlanAbandoned"/>.
    /// </summary>
    public void StartPlanning() => _planning = true;

    private void NeedsRoundTrip()
    {
        if (_planning) throw new PlanAbandoned();
    }

    /// <summary>
    /// Commits every staged block, the handle and <paramref name="extra"/> in one transaction. False when another writer
    /// got there first: nothing was written and the caller runs the general algorithm.
    /// </summary>
    public async Task<bool> CommitPlanAsync(IReadOnlyList<WriteOp> extra, CancellationToken ct)
    {
        var staged = _staged.Values.ToList();
        var ops = new List<WriteOp>();
        foreach (var deltas in _stagedHandles.GroupBy(s => s.Handle))
        {
            if (IpamObjects.AdjustHandle(_handles.GetValueOrDefault(deltas.Key), deltas.Key, deltas.Select(d => (d.Block, d.Delta))) is { } handleOp)
                ops.Add(handleOp);
        }
        var firstBlock = ops.Count;
        ops.AddRange(staged.Select(s => IpamObjects.UpdateBlock(s.Read, s.Next)));
        ops.AddRange(extra);
        try
        {
            var written = await Store.CommitAsync(ops, ct);
            for (var i = 0; i < staged.Count; i++) _client.Remember(staged[i].Read.After(staged[i].Next, written[firstBlock + i]!));
            return true;
        }
        catch (DatastoreException e) when (e.Code is DatastoreErrorCode.Conflict or DatastoreErrorCode.AlreadyExists or DatastoreErrorCode.NotFound)
        {
            _client.CountConflict();
            return false;
        }
    }

    /// <summary>What the plan holds so far: a request of a batch that abandons the plan is taken out again with <see cref="Rewind"/>.</summary>
    /// <remarks>Handle changes are only appended while planning, so their count marks them (a batch marks once per request).</remarks>
    public PlanMark Mark() => new(new(_staged), _stagedHandles.Count, new(_blocks), [.. _preferred]);

    public void Rewind(PlanMark mark)
    {
        _staged = mark.Staged;
        _stagedHandles.RemoveRange(mark.StagedHandles, _stagedHandles.Count - mark.StagedHandles);
        _blocks.Clear();
        foreach (var (cidr, block) in mark.Blocks) _blocks[cidr] = block;
        _preferred = mark.Preferred;
    }

    private static int Add(List<ReadOp> ops, ReadOp op)
    {
        ops.Add(op);
        return ops.Count - 1;
    }

    /// <summary>Blocks this session assigned from that still have room: the next session reads them in its first round trip.</summary>
    public Cidr[] PreferredBlocks() =>
        [.. _preferred.Where(c => _affinities.ContainsKey(c) && _blocks.GetValueOrDefault(c)?.Block.FreeCount(_reservations.ForBlock(c)) > 0)];

    public async Task<IpamAssignments> AssignFamilyAsync(bool v6, int count, IReadOnlyList<Cidr>? requested,
        HostReservedAttr? reserved, int requestedMaxBlocks, CancellationToken ct)
    {
        var version = v6 ? 6 : 4;
        var messages = new List<string>();
        var assigned = new List<Cidr>();
        var enabled = PoolSelection.Enabled(_pools, v6);
        var selecting = _use == IPPoolSpec.UseLoadBalancer
            ? enabled
            : PoolSelection.Determine(enabled, requested, _nodeLabels, _namespaceLabels, Host);
        var pools = PoolSelection.FilterByUse(selecting, _use);
        if (reserved is not null)
        {
            // A block must have room for the host-reserved addresses and at least one more.
            var bits = v6 ? 128 : 32;
            var maxPrefix = bits - (int)Math.Ceiling(Math.Log2(reserved.StartOfBlock + reserved.EndOfBlock + 1));
            pools = pools.Where(p => p.BlockSize <= maxPrefix).ToList();
            if (pools.Count == 0) throw new IpamException(IpamErrorCode.NoQualifiedPool, "cannot find a qualified ippool: blocks too small for the host-reserved addresses");
        }

        // Loops rather than queries: a batch plans every request against all of the host's affinities.
        var mine = new List<Cidr>(_affinities.Count);
        foreach (var (cidr, affinity) in _affinities)
        {
            if (cidr.IsV6 == v6 && affinity.Spec.State != BlockAffinitySpec.PendingDeletion) mine.Add(cidr);
        }
        mine.Sort();
        var allowed = new List<Cidr>(mine.Count);
        List<Cidr>? unselected = null;
        foreach (var cidr in mine)
        {
            if (PoolOf(pools, cidr) is not null) allowed.Add(cidr);
            if (PoolOf(selecting, cidr) is null) (unselected ??= []).Add(cidr);
        }
        if (unselected is not null)
        {
            NeedsRoundTrip();
            await ReleaseUnselectedAsync(unselected, ct);
        }

        var maxBlocks = IpamConfigRules.EffectiveMaxBlocks(requestedMaxBlocks, _config.MaxBlocksPerHost);
        var owned = allowed.Count;
        // Affine blocks in order, but those the first read already fetched (the hint) go first: on a warm node one of
        // them has room, and the others are read (in one more round trip) only when it does not.
        var ordered = new List<Cidr>(allowed.Count);
        foreach (var cidr in allowed)
        {
            if (_blocks.ContainsKey(cidr)) ordered.Add(cidr);
        }
        foreach (var cidr in allowed)
        {
            if (!_blocks.ContainsKey(cidr)) ordered.Add(cidr);
        }
        foreach (var cidr in ordered)
        {
            if (assigned.Count == count) break;
            if (_reservations.Covers(cidr)) continue;
            if (!_blocks.ContainsKey(cidr)) await FetchMissingBlocksAsync(allowed, ct);
            var pool = PoolOf(pools, cidr)!;
            if (await UsableAffineBlockAsync(cidr, pool, reserved, ct) is not { } stored) continue;
            assigned.AddRange(await AssignFromBlockAsync(stored, count - assigned.Count, affinityCheck: true, ct));
        }

        var capped = false;
        if (assigned.Count < count && !_config.AutoAllocateBlocks)
        {
            messages.Add("failed to find or claim a block: autoAllocateBlocks is false");
        }
        else
        {
            for (var attempt = 0; assigned.Count < count; attempt++)
            {
                if (owned >= maxBlocks)
                {
                    messages.Add($"limit of {maxBlocks} blocks reached for host {Host}");
                    capped = true;
                    break;
                }
                if (attempt >= IpamClient.DatastoreRetries)
                    throw new IpamException(IpamErrorCode.TooManyRetries, "Max retries hit - excessive concurrent IPAM requests");
                var candidate = await FindUsableBlockAsync(pools, ct);
                if (candidate is null)
                {
                    messages.Add(_config.StrictAffinity ? "No more free affine blocks and strict affinity enabled" : "no free blocks to claim in the pools");
                    break;
                }
                if (await ClaimBlockAsync(candidate.Value.Cidr, candidate.Value.Pool, reserved, ct) is not { } claimed) continue;
                owned++;
                assigned.AddRange(await AssignFromBlockAsync(claimed, count - assigned.Count, affinityCheck: true, ct));
            }
        }

        if (assigned.Count < count && !capped && !_config.StrictAffinity)
        {
            NeedsRoundTrip();
            assigned.AddRange(await BorrowAsync(pools, count - assigned.Count, messages, ct));
        }
        return new IpamAssignments(version, count, assigned, messages, reserved);
    }

    /// <summary>Calico's AssignIP: the block is found from the pool holding the address; reservations and block caps do not apply.</summary>
    public async Task AssignExplicitAsync(IPAddress ip, CancellationToken ct)
    {
        var v6 = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var pool = PoolSelection.Enabled(_pools, v6).FirstOrDefault(p => p.Cidr.Contains(ip))
                   ?? throw new IpamException(IpamErrorCode.PoolNotFound, $"The provided IP address ({ip}) is not in a configured pool");
        if (!pool.Pool.Spec.EffectiveAllowedUses.Contains(_use))
            throw new IpamException(IpamErrorCode.NoQualifiedPool, $"pool {pool.Name} does not allow use {_use}");
        var cidr = Cidr.Containing(ip, pool.BlockSize);
        for (var attempt = 0; attempt < IpamClient.DatastoreRetries; attempt++)
        {
            var stored = (await _client.ReadBlocksAsync([cidr], ct))[cidr] ?? await ClaimBlockAsync(cidr, pool, null, ct);
            if (stored is null) continue;
            if (_config.StrictAffinity && stored.Block.Affinity != AffinityValue)
                throw new IpamException(IpamErrorCode.AffinityMismatch, $"Block host affinity does not match: block {cidr} has affinity {stored.Block.Affinity ?? "none"}");
            var next = stored.Block.Assign(stored.Block.OrdinalOf(ip), _handleId, _attrs);
            if (ReferenceEquals(next, stored.Block)) return;
            if (await TryCommitAsync(stored, next, +1, ct) is not null) return;
        }
        throw new IpamException(IpamErrorCode.TooManyRetries, "Max retries hit - excessive concurrent IPAM requests");
    }

    private async Task FetchMissingBlocksAsync(IEnumerable<Cidr> cidrs, CancellationToken ct)
    {
        var missing = cidrs.Where(c => !_blocks.ContainsKey(c)).ToList();
        foreach (var (cidr, block) in await _client.ReadBlocksAsync(missing, ct)) _blocks[cidr] = block;
    }

    /// <summary>
    /// The block behind one of the host's affinities, repaired the way Calico's getBlockFromAffinity does: a missing
    /// block is claimed again (a claim interrupted by a crash), a block owned by someone else drops the stale affinity,
    /// a pending affinity over our own block is confirmed.
    /// </summary>
    private async Task<StoredBlock?> UsableAffineBlockAsync(Cidr cidr, PoolInfo pool, HostReservedAttr? reserved, CancellationToken ct)
    {
        var stored = _blocks.GetValueOrDefault(cidr);
        var affinity = _affinities[cidr];
        if (stored is null || stored.Block.Affinity != AffinityValue || !affinity.Spec.IsConfirmed) NeedsRoundTrip();
        if (stored is null) return await ClaimBlockAsync(cidr, pool, reserved, ct);
        try
        {
            if (stored.Block.Affinity != AffinityValue)
            {
                await Store.CommitAsync([ResourceCodec.Delete(ResourceKinds.BlockAffinity, affinity)], ct);
                _affinities.Remove(cidr);
                return null;
            }
            if (affinity.Spec.IsConfirmed) return stored;
            var written = await Store.CommitAsync([IpamObjects.UpdateBlock(stored, stored.Block), IpamObjects.UpdateAffinity(affinity, BlockAffinitySpec.Confirmed)], ct);
            _affinities[cidr] = ResourceCodec.Decode<BlockAffinity>(ResourceKinds.BlockAffinity, written[1]!);
            return _blocks[cidr] = _client.Remember(stored.After(stored.Block, written[0]!));
        }
        catch (DatastoreException e) when (e.Code is DatastoreErrorCode.Conflict or DatastoreErrorCode.NotFound)
        {
            _client.CountConflict();
            // Someone else moved the block or affinity on: leave it to the next request rather than fight over it.
            return null;
        }
    }

    /// <summary>
    /// Pops up to <paramref name="count"/> addresses from the block and commits the block and handle together,
    /// re-reading both and retrying when another writer got there first.
    /// </summary>
    private async Task<List<Cidr>> AssignFromBlockAsync(StoredBlock stored, int count, bool affinityCheck, CancellationToken ct)
    {
        var current = stored;
        for (var attempt = 0; attempt < IpamClient.DatastoreRetries; attempt++)
        {
            if (affinityCheck && current.Block.Affinity != AffinityValue) return [];
            var block = current.Block.CollectCooledDown(Now, Cooldown);
            var (next, ordinals) = block.AutoAssign(count, _handleId, _attrs, _reservations.ForBlock(block.Cidr));
            if (ordinals.Count == 0) return [];
            if (await TryCommitAsync(current, next, ordinals.Count, ct) is not null)
            {
                if (affinityCheck && !_preferred.Contains(block.Cidr)) _preferred.Add(block.Cidr);
                return ordinals.Select(o => new Cidr(Cidr.ToInteger(block.AddressOf(o)), block.Cidr.PrefixLength, block.Cidr.IsV6)).ToList();
            }
            if (_blocks[block.Cidr] is not { } reread) return [];
            current = reread;
        }
        throw new IpamException(IpamErrorCode.TooManyRetries, "Max retries hit - excessive concurrent IPAM requests");
    }

    /// <summary>
    /// One commit of a block transition and the matching handle count. On a lost race, re-reads block and handle in one
    /// round trip, records them, and returns null.
    /// </summary>
    private async Task<StoredBlock?> TryCommitAsync(StoredBlock stored, IpamBlock next, int added, CancellationToken ct)
    {
        var cidr = stored.Block.Cidr;
        if (_planning)
        {
            _staged[cidr] = (_staged.TryGetValue(cidr, out var earlier) ? earlier.Read : stored, next);
            if (_handleId is not null) _stagedHandles.Add((_handleId, cidr, added));
            return _blocks[cidr] = stored with { Block = next };
        }
        var handleOp = _handleId is null ? null : IpamObjects.AdjustHandle(Handle, _handleId, [(cidr, added)]);
        var ops = handleOp is null ? new List<WriteOp>() : [handleOp];
        ops.Add(IpamObjects.UpdateBlock(stored, next));
        try
        {
            var written = await Store.CommitAsync(ops, ct);
            if (handleOp is not null) Handle = IpamObjects.DecodeHandle(written[0]);
            return _blocks[cidr] = _client.Remember(stored.After(next, written[^1]!));
        }
        catch (DatastoreException e) when (e.Code is DatastoreErrorCode.Conflict or DatastoreErrorCode.AlreadyExists or DatastoreErrorCode.NotFound)
        {
            _client.CountConflict();
            var reread = await Store.ReadAsync([ReadOp.Get(IpamObjects.BlockKey(cidr)), ReadOp.Get(IpamObjects.HandleKey(_handleId ?? ""))], ct);
            _blocks[cidr] = _client.DecodeBlock(reread.Single(0));
            if (_handleId is not null) Handle = IpamObjects.DecodeHandle(reread.Single(1));
            return null;
        }
    }

    /// <summary>
    /// Calico's findUsableBlock, without listing every block in the cluster: candidates are checked in batches in the
    /// host's search order; the first that does not exist (or is already ours with room) wins.
    /// </summary>
    private async Task<(Cidr Cidr, PoolInfo Pool)?> FindUsableBlockAsync(IReadOnlyList<PoolInfo> pools, CancellationToken ct)
    {
        foreach (var pool in pools)
        {
            using var candidates = BlockSearch.Candidates(pool.Cidr, pool.BlockSize, Host, _clock)
                .Where(c => !_reservations.Covers(c)).GetEnumerator();
            var batchSize = 16;
            while (true)
            {
                var batch = new List<Cidr>(batchSize);
                while (batch.Count < batchSize && candidates.MoveNext()) batch.Add(candidates.Current);
                if (batch.Count == 0) break;
                var found = await _client.ReadBlocksAsync(batch, ct);
                foreach (var cidr in batch)
                {
                    // A block this plan assigned from is the host's and was just found without room; the store, which
                    // has not seen the plan, would still offer it.
                    if (_staged.ContainsKey(cidr)) continue;
                    var existing = found[cidr];
                    if (existing is null) return (cidr, pool);
                    // Our own block found by search: another process of this host just claimed it, unless we are releasing it.
                    if (existing.Block.Affinity == AffinityValue && existing.Block.FreeCount(_reservations.ForBlock(cidr)) > 0
                        && _affinities.GetValueOrDefault(cidr)?.Spec.State != BlockAffinitySpec.PendingDeletion) return (cidr, pool);
                }
                batchSize = Math.Min(batchSize * 4, 1024);
            }
        }
        return null;
    }

    /// <summary>
    /// Calico's two-phase claim: a pending affinity first, then the block and the confirmation together. Returns null
    /// when another host won the block.
    /// </summary>
    private async Task<StoredBlock?> ClaimBlockAsync(Cidr cidr, PoolInfo pool, HostReservedAttr? reserved, CancellationToken ct)
    {
        for (var attempt = 0; attempt < IpamClient.DatastoreRetries; attempt++)
        {
            BlockAffinity affinity;
            try
            {
                var created = await Store.CommitAsync([ResourceCodec.Create(ResourceKinds.BlockAffinity, IpamObjects.NewAffinity(Host, cidr, BlockAffinitySpec.Pending, _affinityType))], ct);
                affinity = ResourceCodec.Decode<BlockAffinity>(ResourceKinds.BlockAffinity, created[0]!);
            }
            catch (DatastoreException e) when (e.Code == DatastoreErrorCode.AlreadyExists)
            {
                _client.CountConflict();
                if (IpamObjects.DecodeAffinity(await Store.GetAsync(IpamObjects.AffinityKey(Host, cidr), ct)) is not { } existing) continue;
                if (existing.Spec.State == BlockAffinitySpec.PendingDeletion) return null;
                affinity = existing;
            }
            _affinities[cidr] = affinity;

            var block = IpamBlock.Create(cidr, AffinityValue, Now, NewBlockSequence(), reserved);
            try
            {
                var ops = new List<WriteOp> { IpamObjects.CreateBlock(block) };
                if (!affinity.Spec.IsConfirmed) ops.Add(IpamObjects.UpdateAffinity(affinity, BlockAffinitySpec.Confirmed));
                var written = await Store.CommitAsync(ops, ct);
                if (written.Count > 1) _affinities[cidr] = ResourceCodec.Decode<BlockAffinity>(ResourceKinds.BlockAffinity, written[1]!);
                return _blocks[cidr] = _client.DecodeBlock(written[0]);
            }
            catch (DatastoreException e) when (e.Code == DatastoreErrorCode.AlreadyExists && e.Key == IpamObjects.BlockKey(cidr))
            {
                _client.CountConflict();
                var existing = (await _client.ReadBlocksAsync([cidr], ct))[cidr];
                if (existing is null) continue;
                if (existing.Block.Affinity == AffinityValue)
                {
                    _blocks[cidr] = existing;
                    return await UsableAffineBlockAsync(cidr, pool, reserved, ct);
                }
                await DropAffinityAsync(cidr, ct);
                return null;
            }
            catch (DatastoreException e) when (e.Code is DatastoreErrorCode.Conflict or DatastoreErrorCode.NotFound)
            {
                _client.CountConflict();
                // The affinity changed under us (another process on this host confirmed it, or it was released): re-read.
            }
        }
        throw new IpamException(IpamErrorCode.TooManyRetries, "Max retries hit - excessive concurrent IPAM requests");
    }

    private async Task DropAffinityAsync(Cidr cidr, CancellationToken ct)
    {
        _affinities.Remove(cidr);
        if (IpamObjects.DecodeAffinity(await Store.GetAsync(IpamObjects.AffinityKey(Host, cidr), ct)) is not { } affinity) return;
        try
        {
            await Store.CommitAsync([ResourceCodec.Delete(ResourceKinds.BlockAffinity, affinity)], ct);
        }
        catch (DatastoreException e) when (e.Code is DatastoreErrorCode.Conflict or DatastoreErrorCode.NotFound)
        {
            _client.CountConflict();
        }
    }

    /// <summary>
    /// Takes addresses from blocks the host does not own (other hosts' or unaffine), in the host's search order.
    /// Unlike Calico, which reads the pool block by block, the existing blocks are listed once.
    /// </summary>
    private async Task<List<Cidr>> BorrowAsync(IReadOnlyList<PoolInfo> pools, int count, List<string> messages, CancellationToken ct)
    {
        var assigned = new List<Cidr>();
        var (entries, _) = await Store.ListAsync(ResourceKinds.IPAMBlock.StoreKind, ct: ct);
        var blocks = entries.Select(_client.DecodeBlock).OfType<StoredBlock>().ToList();
        var exhausted = new List<string>();
        foreach (var pool in pools)
        {
            var inPool = blocks.Where(b => pool.Cidr.Contains(b.Block.Cidr) && b.Block.Affinity != AffinityValue && !_reservations.Covers(b.Block.Cidr))
                .OrderBy(b => BlockSearch.Position(pool.Cidr, b.Block.Cidr, Host, _clock));
            foreach (var stored in inPool)
            {
                if (assigned.Count == count) return assigned;
                if (stored.Block.CollectCooledDown(Now, Cooldown).FreeCount(_reservations.ForBlock(stored.Block.Cidr)) == 0) continue;
                assigned.AddRange(await AssignFromBlockAsync(stored, count - assigned.Count, affinityCheck: false, ct));
            }
            if (assigned.Count < count) exhausted.Add(pool.Cidr.ToString());
        }
        if (exhausted.Count > 0) messages.Add($"No IPs available in pools: [{string.Join(" ", exhausted)}]");
        return assigned;
    }

    private static PoolInfo? PoolOf(List<PoolInfo> pools, Cidr block)
    {
        foreach (var pool in pools)
        {
            if (pool.Cidr.Contains(block)) return pool;
        }
        return null;
    }

    /// <summary>Affinities in pools that no longer select this node are given up when their blocks are empty.</summary>
    private async Task ReleaseUnselectedAsync(List<Cidr> cidrs, CancellationToken ct)
    {
        foreach (var cidr in cidrs)
        {
            try
            {
                await _client.ReleaseBlockAffinityAsync(Host, cidr, requireEmpty: true, ct);
                _affinities.Remove(cidr);
            }
            catch (IpamException)
            {
                // Not empty, or claimed by another host: Calico leaves such affinities in place too.
            }
        }
    }

    /// <summary>A new block's sequence starts at the wall clock in nanoseconds so a recreated block never repeats one.</summary>
    private ulong NewBlockSequence() => (ulong)(_clock.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
}
