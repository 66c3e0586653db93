using CniNet.Datastore;
using CniNet.Model.Ipam;
using CniNet.Model.Kubernetes;
using CniNet.Model.Net;
using CniNet.Model.Network;
using CniNet.Model.Policy;
using CniNet.Model.Resources;

namespace CniNet.IpamCore;

/// <summary>Read-only views over the whole IPAM state: utilization (<c>ipam show</c>) and consistency (<c>ipam check</c>).</summary>
public sealed class IpamReports(IDatastore store, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<UtilizationReport> GetUtilizationAsync(CancellationToken ct = default)
    {
        var read = await store.ReadAsync(
        [
            ReadOp.List(ResourceKinds.IPPool.StoreKind), ReadOp.List(ResourceKinds.IPAMBlock.StoreKind), ReadOp.List(ResourceKinds.IPReservation.StoreKind),
        ], ct);
        var pools = read.Many(0).Select(IpamObjects.DecodePool).OfType<PoolInfo>().OrderBy(p => p.Cidr).ToList();
        var blocks = read.Many(1).Select(IpamObjects.DecodeBlock).OfType<StoredBlock>().Select(b => b.Block).OrderBy(b => b.Cidr).ToList();
        var reservations = ReservationSet.From(read.Many(2).Select(e => ResourceCodec.Decode<IPReservation>(ResourceKinds.IPReservation, e)));
        var perBlock = blocks.ToDictionary(b => b.Cidr, b => Measure(b, reservations));
        var result = new List<PoolUtilization>();
        foreach (var pool in pools)
        {
            var inPool = blocks.Where(b => pool.Cidr.Contains(b.Cidr)).Select(b => perBlock[b.Cidr]).ToList();
            UInt128 inUse = 0, reservedInUse = 0;
            foreach (var b in inPool)
            {
                inUse += (UInt128)b.InUse;
                reservedInUse += reservations.CountWithin(b.Cidr) - (UInt128)b.Reserved;
            }
            var reserved = reservations.CountWithin(pool.Cidr) - reservedInUse;
            result.Add(new PoolUtilization(pool.Name, pool.Cidr, pool.Cidr.Size, inUse, reserved, pool.Cidr.Size - inUse - reserved, inPool));
        }
        var orphans = blocks.Where(b => !pools.Any(p => p.Cidr.Contains(b.Cidr))).Select(b => perBlock[b.Cidr]).ToList();
        return new UtilizationReport(result, orphans);
    }

    public static BlockUtilization Measure(IpamBlock block, ReservationSet reservations)
    {
        var isReserved = reservations.ForBlock(block.Cidr);
        var free = block.FreeCount(isReserved);
        var reserved = block.Unallocated.Count - free;
        var host = block.AffinityHost;
        var borrowed = block.Allocations().Count(a => a.Attribute.ReleasedAt is null
                                                      && a.Attribute.HandleId != HostReservedAttr.WindowsHandle
                                                      && a.Attribute.Secondary?.GetValueOrDefault("node") is { } node && node != host);
        return new BlockUtilization(block.Cidr, host, block.Size, block.InUse, reserved, free, borrowed);
    }

    /// <summary>
    /// Everything <c>calicoctl ipam check</c> reports, plus the states a crash can leave: affinities without a block
    /// (a claim cut short), handles whose counts disagree with the blocks, addresses held twice.
    /// </summary>
    public async Task<IpamCheckReport> CheckAsync(CancellationToken ct = default)
    {
        var read = await store.ReadAsync(
        [
            ReadOp.List(ResourceKinds.IPPool.StoreKind), ReadOp.List(ResourceKinds.IPAMBlock.StoreKind), ReadOp.List(ResourceKinds.IPAMHandle.StoreKind),
            ReadOp.List(ResourceKinds.BlockAffinity.StoreKind), ReadOp.List(ResourceKinds.Pod.StoreKind), ReadOp.List(PolicyKinds.WorkloadEndpoint.StoreKind),
            ReadOp.List(ResourceKinds.Node.StoreKind), ReadOp.List(ResourceKinds.KubernetesNode.StoreKind),
        ], ct);
        var now = _clock.GetUtcNow().UtcDateTime;
        var pools = read.Many(0).Select(IpamObjects.DecodePool).OfType<PoolInfo>().ToList();
        var blocks = read.Many(1).Select(IpamObjects.DecodeBlock).OfType<StoredBlock>().ToList();
        var handles = read.Many(2).Select(IpamObjects.DecodeHandle).OfType<IPAMHandle>().ToList();
        var affinities = read.Many(3).Select(IpamObjects.DecodeAffinity).OfType<BlockAffinity>().ToList();
        var pods = read.Many(4).Select(e => ResourceCodec.Decode<Pod>(ResourceKinds.Pod, e)).ToDictionary(p => (p.Metadata.Namespace ?? "", p.Metadata.Name));
        var endpointIps = read.Many(5).Select(e => ResourceCodec.Decode<WorkloadEndpoint>(PolicyKinds.WorkloadEndpoint, e))
            .SelectMany(w => w.Spec.IPNetworks ?? []).Select(n => Cidr.TryParse(n, out var c, out _) ? c.NetworkAddress.ToString() : n).ToHashSet();
        var nodes = read.Many(6).Concat(read.Many(7)).Select(e => e.Key.Name).ToHashSet();

        var report = new IpamCheckReport { Blocks = blocks.Count, Handles = handles.Count, Affinities = affinities.Count };
        var owners = new Dictionary<string, string>();
        var actualPerHandle = new Dictionary<string, Dictionary<string, int>>();
        foreach (var stored in blocks)
        {
            var block = stored.Block;
            foreach (var problem in block.Validate(now)) report.InvalidBlocks.Add($"block {block.Cidr}: {problem}");
            if (!pools.Any(p => p.Cidr.Contains(block.Cidr))) report.OrphanBlocks.Add(block.Cidr.ToString());
            if (block.AffinityHost is { } host && !affinities.Any(a => a.Spec.Node == host && a.Spec.Cidr == block.Cidr.ToString()))
                report.BlocksWithoutAffinity.Add($"block {block.Cidr} is affine to {host} but has no BlockAffinity");
            foreach (var (ordinal, attribute) in block.Allocations())
            {
                var ip = block.AddressOf(ordinal).ToString();
                if (attribute.ReleasedAt is not null)
                {
                    report.CoolingDown++;
                    continue;
                }
                report.Allocated++;
                if (!owners.TryAdd(ip, block.Cidr.ToString())) report.Duplicates.Add($"{ip} is allocated in blocks {owners[ip]} and {block.Cidr}");
                if (string.Equals(attribute.HandleId, HostReservedAttr.WindowsHandle, StringComparison.OrdinalIgnoreCase)) continue;
                if (attribute.HandleId is { } handle)
                {
                    var counts = actualPerHandle.TryGetValue(handle, out var c) ? c : actualPerHandle[handle] = [];
                    counts[block.Cidr.ToString()] = counts.GetValueOrDefault(block.Cidr.ToString()) + 1;
                }
                if (Leaked(ip, attribute, pods, endpointIps, nodes) is { } why)
                    report.LeakedAddresses.Add(new LeakedAddress(ip, attribute.HandleId, block.SequenceNumberOf(ordinal), why));
            }
        }
        foreach (var handle in handles)
        {
            var actual = actualPerHandle.GetValueOrDefault(handle.Spec.HandleId) ?? [];
            if (actual.Count == 0) report.HandlesWithoutAddresses.Add(handle.Spec.HandleId);
            foreach (var (block, count) in handle.Spec.Block.Where(kv => actual.GetValueOrDefault(kv.Key) != kv.Value))
                report.HandleCountMismatches.Add($"handle {handle.Spec.HandleId} counts {count} in block {block}, the block holds {actual.GetValueOrDefault(block)}");
            foreach (var block in actual.Keys.Where(b => !handle.Spec.Block.ContainsKey(b)))
                report.HandleCountMismatches.Add($"handle {handle.Spec.HandleId} does not count block {block}, which holds {actual[block]} of its addresses");
        }
        var known = handles.Select(h => h.Spec.HandleId).ToHashSet();
        foreach (var handle in actualPerHandle.Keys.Where(h => !known.Contains(h))) report.MissingHandles.Add(handle);
        var blockCidrs = blocks.Select(b => b.Block.Cidr.ToString()).ToHashSet();
        foreach (var affinity in affinities.Where(a => !blockCidrs.Contains(a.Spec.Cidr)))
            report.StaleAffinities.Add($"{affinity.Spec.Node} {affinity.Spec.State} affinity for {affinity.Spec.Cidr} has no block");
        foreach (var affinity in affinities.Where(a => a.Spec.State == BlockAffinitySpec.PendingDeletion && blockCidrs.Contains(a.Spec.Cidr)))
            report.StaleAffinities.Add($"{affinity.Spec.Node} affinity for {affinity.Spec.Cidr} was left pendingDeletion by an interrupted release");
        return report;
    }

    /// <summary>
    /// Why an allocation is a leak, or null when it is in use or its owner cannot be judged: a pod address is in use while
    /// its Pod exists (on the same node) or a WorkloadEndpoint holds it; a tunnel address while its node exists;
    /// anything else is of unknown origin and left alone, as Calico does.
    /// </summary>
    private static string? Leaked(string ip, AllocationAttribute attribute, Dictionary<(string, string), Pod> pods, HashSet<string> endpointIps, HashSet<string> nodes)
    {
        var attrs = attribute.Secondary;
        if (endpointIps.Contains(ip)) return null;
        if (attrs?.GetValueOrDefault("type") is { Length: > 0 } type)
            return attrs.GetValueOrDefault("node") is { } tunnelNode && !nodes.Contains(tunnelNode) ? $"{type} of node {tunnelNode}, which does not exist" : null;
        if (attrs?.GetValueOrDefault("namespace") is not { } ns || attrs.GetValueOrDefault("pod") is not { } podName) return null;
        if (!pods.TryGetValue((ns, podName), out var pod)) return $"pod {ns}/{podName} does not exist";
        if (attrs.GetValueOrDefault("node") is { } node && pod.Spec.NodeName is { } podNode && podNode != node)
            return $"pod {ns}/{podName} runs on {podNode}, the address was allocated on {node}";
        var podIps = (pod.Status?.PodIPs?.Select(p => p.Ip) ?? []).Append(pod.Status?.PodIP).OfType<string>().ToList();
        return podIps.Count == 0 || podIps.Contains(ip) ? null : $"pod {ns}/{podName} reports other addresses ({string.Join(", ", podIps)})";
    }
}
