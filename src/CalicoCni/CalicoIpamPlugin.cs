using CniNet.Cni;
using CniNet.Datastore;
using CniNet.IpamCore;
using CniNet.Model.Ipam;
using CniNet.Model.Kubernetes;
using CniNet.Model.Net;
using CniNet.Model.Resources;

namespace CniNet.CalicoCni;

/// <summary>
/// <c>calico-ipam</c>: Calico's IPAM plugin on the IPAM core. The main plugin runs the same code in process when
/// its netconf names <c>calico-ipam</c>, and executes any other IPAM type from CNI_PATH.
/// </summary>
public sealed class CalicoIpamPlugin(Func<DatastoreConfig, IDatastore>? openStore = null, Func<IDatastore, IpamClient>? sharedIpam = null) : ICniPlugin
{
    /// <summary>A fresh connection per invocation, as a plugin process needs; the node agent passes stores it keeps open.</summary>
    private readonly Func<DatastoreConfig, IDatastore> _openStore = openStore ?? (config => config.Open());

    public IReadOnlyCollection<string> KnownArgs => CalicoInvocation.KnownArgs;

    public CniException Classify(Exception error) => CalicoErrors.Classify(error);

    public async Task<CniResult> AddAsync(CniRequest request)
    {
        var inv = CalicoInvocation.From(request, _openStore, sharedIpam);
        try
        {
            await using var store = inv.OpenStore();
            var roundTrips = store.RoundTrips;
            var assigned = await AssignAsync(inv, store, IpamRequest.FromNetConf(inv.Conf.Ipam), null);
            inv.Log.Info($"ADD {inv.HandleId}: {string.Join(", ", assigned)} ({store.RoundTrips - roundTrips} datastore round trips)");
            return IpamRequest.Result(assigned);
        }
        finally
        {
            inv.Log.Flush();
        }
    }

    /// <summary>
    /// ADD's work under the host lock: the <c>IP</c> CNI_ARG assigns that address, otherwise the request's families are
    /// auto-assigned. Namespace labels are read when pools may select by namespace.
    /// </summary>
    public static async Task<IReadOnlyList<Cidr>> AssignAsync(CalicoInvocation inv, IDatastore store, IpamRequest want,
        IReadOnlyDictionary<string, string>? namespaceLabels)
    {
        using var hostLock = inv.LockHost();
        var ipam = inv.Ipam(store);
        if (inv.Request.Args["IP"] is { Length: > 0 } explicitIp)
        {
            var ip = IpamRequest.ParseAddress(explicitIp, "CNI_ARGS IP");
            await ipam.AssignIPAsync(new AssignIPArgs { IP = ip, HandleId = inv.HandleId, Attrs = IpamRequest.Attributes(inv), Hostname = inv.Node });
            return [Cidr.Host(ip)];
        }
        hostLock?.LoadHints(ipam, inv.Node);
        var readNamespace = namespaceLabels is null && inv.IsKubernetes;
        var prepared = await ipam.PrepareAsync(inv.Node, inv.HandleId,
            readNamespace
                ? [ReadOp.List(ResourceKinds.IPPool.StoreKind), ReadOp.Get(ResourceCodec.KeyOf(ResourceKinds.Namespace, inv.Namespace))]
                : [ReadOp.List(ResourceKinds.IPPool.StoreKind)]);
        if (readNamespace && prepared.Extra.Single(1) is { } nsEntry)
            namespaceLabels = ResourceCodec.Decode<Namespace>(ResourceKinds.Namespace, nsEntry).Metadata.Labels;
        var args = want.ToArgs(inv, prepared.Extra.Many(0), namespaceLabels);
        var (v4, v6) = await prepared.AutoAssignAsync(args, (_, _) => []);
        hostLock?.SaveHints(ipam, inv.Node);
        return await IpamRequest.RequireAllAsync(ipam, inv.HandleId, v4, v6);
    }

    public async Task DelAsync(CniRequest request)
    {
        var inv = CalicoInvocation.From(request, _openStore, sharedIpam);
        try
        {
            await using var store = inv.OpenStore();
            await ReleaseAsync(inv, store);
        }
        finally
        {
            inv.Log.Flush();
        }
    }

    /// <summary>DEL: the handle, then Calico's legacy handle; nothing held is success.</summary>
    public static async Task ReleaseAsync(CalicoInvocation inv, IDatastore store)
    {
        using var hostLock = inv.LockHost();
        var ipam = inv.Ipam(store);
        var released = await ipam.ReleaseByHandleAsync(inv.HandleId);
        var legacy = await ipam.ReleaseByHandleAsync(inv.LegacyHandleId);
        inv.Log.Info($"DEL {inv.HandleId}: {(released || legacy ? "released" : "nothing was held")}");
    }

    public async Task CheckAsync(CniRequest request)
    {
        var inv = CalicoInvocation.From(request, _openStore, sharedIpam);
        try
        {
            await using var store = inv.OpenStore();
            await VerifyAsync(inv, store, request.PrevResult);
        }
        finally
        {
            inv.Log.Flush();
        }
    }

    /// <summary>CHECK: the handle still holds every address of the previous result.</summary>
    public static async Task VerifyAsync(CalicoInvocation inv, IDatastore store, CniResult? prevResult)
    {
        if (prevResult is null) throw new CniException(CniErrorCode.InvalidNetworkConfig, "required prevResult missing");
        var held = await inv.Ipam(store).IPsByHandleAsync(inv.HandleId);
        var missing = prevResult.IPs.Select(i => i.Address.Address).Where(a => !held.Contains(a)).ToList();
        if (missing.Count > 0)
            throw new CniException(CniErrorCode.PluginFailure, $"IPAM holds no allocation of {string.Join(", ", missing)} for handle {inv.HandleId}");
    }

    public async Task GcAsync(CniRequest request)
    {
        var inv = CalicoInvocation.From(request, _openStore, sharedIpam);
        try
        {
            await using var store = inv.OpenStore();
            await CollectAsync(inv, store);
        }
        finally
        {
            inv.Log.Flush();
        }
    }

    /// <summary>
    /// GC: releases every handle of this network held on this node whose container is not among the valid attachments.
    /// Handles are keyed by container ID only (as Calico's are), so any valid attachment of a container keeps it.
    /// Every handle is tried; the errors are reported together.
    /// </summary>
    public static async Task CollectAsync(CalicoInvocation inv, IDatastore store)
    {
        var valid = (inv.Conf.ValidAttachments ?? inv.Conf.LegacyAttachments ?? []).Select(a => a.ContainerId).ToHashSet();
        var prefix = inv.Conf.Name + ".";
        var (entries, _) = await store.ListAsync(ResourceKinds.IPAMHandle.StoreKind);
        var ipam = inv.Ipam(store);
        var errors = new List<string>();
        var released = 0;
        foreach (var handle in entries.Select(e => ResourceCodec.Decode<IPAMHandle>(ResourceKinds.IPAMHandle, e)))
        {
            var id = handle.Spec.HandleId;
            if (!id.StartsWith(prefix, StringComparison.Ordinal) || valid.Contains(id[prefix.Length..])) continue;
            try
            {
                var ips = await ipam.IPsByHandleAsync(id);
                if (ips.Count == 0 || await ipam.GetAssignmentAttributesAsync(ips[0]) is not { } owner
                    || owner.Attribute.Secondary?.GetValueOrDefault("node") != inv.Node) continue;
                using (inv.LockHost()) await ipam.ReleaseByHandleAsync(id);
                released++;
                inv.Log.Info($"GC released {string.Join(", ", ips)} of {id}");
            }
            catch (Exception e) when (e is DatastoreException or IpamException)
            {
                errors.Add($"{id}: {e.Message}");
            }
        }
        inv.Log.Info($"GC: {released} stale handles released, {valid.Count} attachments valid");
        if (errors.Count > 0) throw new CniException(CniErrorCode.DatastoreFailure, $"GC failed for {errors.Count} handles: {string.Join("; ", errors)}");
    }

    public async Task StatusAsync(CniRequest request)
    {
        var inv = CalicoInvocation.From(request, _openStore, sharedIpam);
        try
        {
            await ReadyAsync(inv);
        }
        finally
        {
            inv.Log.Flush();
        }
    }

    /// <summary>STATUS: the datastore answers and an enabled pool has a free address (50 otherwise).</summary>
    public static async Task ReadyAsync(CalicoInvocation inv)
    {
        UtilizationReport report;
        try
        {
            await using var store = inv.OpenStore();
            report = await new IpamReports(store).GetUtilizationAsync();
        }
        catch (Exception e) when (e is CniException or DatastoreException or Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            throw new CniException(CniErrorCode.NotAvailable, $"the datastore is not available: {e.Message}");
        }
        if (!report.Pools.Any(p => p.Free > 0))
            throw new CniException(CniErrorCode.NotAvailable, report.Pools.Count == 0 ? "no IP pool is configured" : "every IP pool is full");
    }
}
