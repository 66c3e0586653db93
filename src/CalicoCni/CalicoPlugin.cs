using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using CniNet.Cni;
using CniNet.Datastore;
using CniNet.IpamCore;
using CniNet.Model.Kubernetes;
using CniNet.Model.Policy;
using CniNet.Model.Resources;

namespace CniNet.CalicoCni;

/// <summary>
/// <c>calico</c>: the main plugin. ADD checks the sandbox, gets addresses (calico-ipam in process, any other IPAM
/// type executed from CNI_PATH, or the pod's address annotations), writes the WorkloadEndpoint, and builds the veth,
/// addresses, routes and sysctls. A warm ADD with calico-ipam reads once (IPAM state, Pod, Namespace, endpoint) and
/// commits once (block, handle and endpoint together). Whatever fails after the allocation undoes it.
/// </summary>
public sealed class CalicoPlugin(Func<DatastoreConfig, IDatastore>? openStore = null, Func<IDatastore, IpamClient>? sharedIpam = null) : ICniPlugin
{
    /// <summary>A fresh connection per invocation, as a plugin process needs; the node agent passes stores it keeps open.</summary>
    private readonly Func<DatastoreConfig, IDatastore> _openStore = openStore ?? (config => config.Open());

    public const string CalicoIpamType = "calico-ipam";

    public IReadOnlyCollection<string> KnownArgs => CalicoInvocation.KnownArgs;

    public CniException Classify(Exception error) => CalicoErrors.Classify(error);

    public async Task<CniResult> AddAsync(CniRequest request)
    {
        var clock = Stopwatch.StartNew();
        var inv = CalicoInvocation.From(request, _openStore, sharedIpam);
        try
        {
            using var network = PodNetwork.Open(request.Netns);
            network.EnsureAbsent(request.IfName);
            await using var store = inv.OpenStore();
            var roundTrips = store.RoundTrips;
            var opened = clock.Elapsed;
            var hostVeth = inv.HostVethName;
            var allocation = await AllocateAsync(inv, store, hostVeth);
            var allocated = clock.Elapsed;
            try
            {
                network.Setup(hostVeth, request.IfName, Mtu(inv.Conf), allocation.Mac, allocation.Addresses, inv.Conf.ContainerSettings.AllowIpForwarding);
            }
            catch (Exception setupError)
            {
                inv.Log.Error($"ADD {inv.HandleId}: dataplane failed, undoing: {setupError.Message}");
                network.RemoveHostEnd(hostVeth);
                await UndoAsync(inv, store, allocation);
                throw;
            }
            inv.Log.Info($"ADD {inv.EndpointName} {string.Join(", ", allocation.Addresses)} on {hostVeth} in {clock.Elapsed.TotalMilliseconds:F1} ms "
                         + $"(store open {opened.TotalMilliseconds:F1}, allocation {(allocated - opened).TotalMilliseconds:F1}, dataplane {(clock.Elapsed - allocated).TotalMilliseconds:F1}), "
                         + $"{store.RoundTrips - roundTrips} datastore round trips");
            return Result(request, hostVeth, Mtu(inv.Conf), allocation);
        }
        catch (Exception e)
        {
            inv.Log.Error($"ADD {inv.HandleId} failed: {e.Message}");
            throw;
        }
        finally
        {
            inv.Log.Flush();
        }
    }

    private sealed record Allocation(IReadOnlyList<IPAddress> Addresses, PhysicalAddress Mac, bool ViaIpam, CniResult? Delegated);

    private static int Mtu(CalicoNetConf conf) => conf.Mtu > 0 ? conf.Mtu : 1500;

    /// <summary>
    /// The addresses and the endpoint. The first round trip reads the endpoint, the pools and (with Kubernetes policy)
    /// the Pod and Namespace; with calico-ipam IPAM's own reads ride on it, and on a warm node the endpoint is
    /// committed together with the assignment.
    /// </summary>
    private static async Task<Allocation> AllocateAsync(CalicoInvocation inv, IDatastore store, string hostVeth)
    {
        var reads = new List<ReadOp> { ReadOp.Get(WorkloadEndpoints.KeyOf(inv)), ReadOp.List(ResourceKinds.IPPool.StoreKind) };
        var readsPod = inv.Conf.K8sPolicy && inv.IsKubernetes;
        if (readsPod)
        {
            reads.Add(ReadOp.Get(ResourceCodec.KeyOf(ResourceKinds.Pod, inv.Pod, inv.Namespace)));
            reads.Add(ReadOp.Get(ResourceCodec.KeyOf(ResourceKinds.Namespace, inv.Namespace)));
        }
        var calicoIpam = inv.Conf.Ipam.Type == CalicoIpamType;
        using var hostLock = calicoIpam ? inv.LockHost() : null;
        var ipam = inv.Ipam(store);
        hostLock?.LoadHints(ipam, inv.Node);
        PreparedAssignment? prepared = null;
        ExtraReads read;
        if (calicoIpam)
        {
            prepared = await ipam.PrepareAsync(inv.Node, inv.HandleId, reads);
            read = prepared.Extra;
        }
        else
        {
            read = new ExtraReads(await store.ReadAsync(reads), 0);
        }
        var existing = read.Single(0) is { } e ? ResourceCodec.Decode<WorkloadEndpoint>(PolicyKinds.WorkloadEndpoint, e) : null;
        var pod = readsPod && read.Single(2) is { } p ? ResourceCodec.Decode<Pod>(ResourceKinds.Pod, p) : null;
        var ns = readsPod && read.Single(3) is { } n ? ResourceCodec.Decode<Namespace>(ResourceKinds.Namespace, n) : null;
        var annotations = readsPod ? PodAnnotations.From(pod, ns) : PodAnnotations.None;
        var mac = annotations.HwAddr ?? PodNetwork.RandomMac();
        WriteOp EndpointWrite(IEnumerable<IPAddress> addresses) => WorkloadEndpoints.Write(WorkloadEndpoints.Build(inv, pod, addresses, hostVeth, mac), existing);

        if (annotations.IpAddrs is not null && annotations.IpAddrsNoIpam is not null)
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "can't have both annotations: 'ipAddrs' and 'ipAddrsNoIpam' in use at the same time");
        if (annotations.IpAddrsNoIpam is { } fixedAddresses)
        {
            if (!inv.Conf.FeatureControl.IpAddrsNoIpam)
                throw new CniException(CniErrorCode.InvalidNetworkConfig, "requested feature is not enabled: ip_addrs_no_ipam");
            await store.CommitAsync([EndpointWrite(fixedAddresses)]);
            return new Allocation(fixedAddresses, mac, false, null);
        }

        List<IPAddress> assigned;
        CniResult? delegated = null;
        var explicitAddresses = annotations.IpAddrs
                                ?? (inv.Request.Args["IP"] is { Length: > 0 } ipArg ? [IpamRequest.ParseAddress(ipArg, "CNI_ARGS IP")] : null);
        if (!calicoIpam)
        {
            if (annotations.IpAddrs is not null)
                throw new CniException(CniErrorCode.InvalidNetworkConfig, $"the ipAddrs annotation requires {CalicoIpamType}");
            delegated = await CniDelegate.ExecAsync(inv.Request, inv.Conf.Ipam.Type ?? "", CniSkel.Add)
                        ?? throw new CniException(CniErrorCode.PluginFailure, "the IPAM plugin returned no result");
            assigned = delegated.IPs.Select(i => i.Address.Address).ToList();
        }
        else if (explicitAddresses is not null)
        {
            assigned = [];
            try
            {
                foreach (var ip in explicitAddresses)
                {
                    await ipam.AssignIPAsync(new AssignIPArgs { IP = ip, HandleId = inv.HandleId, Attrs = IpamRequest.Attributes(inv), Hostname = inv.Node });
                    assigned.Add(ip);
                }
            }
            catch
            {
                await ipam.ReleaseByHandleAsync(inv.HandleId);
                throw;
            }
        }
        else
        {
            var want = annotations.Apply(IpamRequest.FromNetConf(inv.Conf.Ipam));
            var args = want.ToArgs(inv, read.Many(1), ns?.Metadata.Labels);
            var written = false;
            var (v4, v6) = await prepared!.AutoAssignAsync(args, (a4, a6) =>
            {
                if (a4.PartialFulfillmentError() is not null || a6.PartialFulfillmentError() is not null) return [];
                written = true;
                return [EndpointWrite(a4.IPs.Concat(a6.IPs).Select(c => c.NetworkAddress))];
            });
            hostLock?.SaveHints(ipam, inv.Node);
            assigned = (await IpamRequest.RequireAllAsync(ipam, inv.HandleId, v4, v6)).Select(c => c.NetworkAddress).ToList();
            if (written) return new Allocation(assigned, mac, true, null);
        }
        try
        {
            await store.CommitAsync([EndpointWrite(assigned)]);
        }
        catch
        {
            await UndoAsync(inv, store, new Allocation(assigned, mac, true, delegated));
            throw;
        }
        return new Allocation(assigned, mac, true, delegated);
    }

    /// <summary>Gives back what ADD took when a later step failed: the endpoint and the addresses.</summary>
    private static async Task UndoAsync(CalicoInvocation inv, IDatastore store, Allocation allocation)
    {
        await DeleteEndpointAsync(inv, store);
        if (allocation.ViaIpam) await ReleaseAsync(inv, store);
    }

    private static async Task ReleaseAsync(CalicoInvocation inv, IDatastore store)
    {
        if (inv.Conf.Ipam.Type == CalicoIpamType) await CalicoIpamPlugin.ReleaseAsync(inv, store);
        else await CniDelegate.ExecAsync(inv.Request, inv.Conf.Ipam.Type ?? "", CniSkel.Del);
    }

    /// <summary>
    /// Deletes the endpoint if it belongs to this container (an endpoint of a newer sandbox of the same pod is kept),
    /// guarded by its revision and UID. A store that cannot be read fails the DEL before anything is cleaned, as in
    /// Calico: a spurious DEL must not tear down a live pod.
    /// </summary>
    private static async Task DeleteEndpointAsync(CalicoInvocation inv, IDatastore store)
    {
        for (var attempt = 0; attempt < 6; attempt++)
        {
            if (await store.GetAsync(WorkloadEndpoints.KeyOf(inv)) is not { } entry) return;
            var endpoint = ResourceCodec.Decode<WorkloadEndpoint>(PolicyKinds.WorkloadEndpoint, entry);
            if (endpoint.Spec.ContainerID is { Length: > 0 } owner && owner != inv.Request.ContainerId)
            {
                inv.Log.Info($"DEL {inv.EndpointName}: endpoint belongs to container {owner}, kept");
                return;
            }
            try
            {
                await store.CommitAsync([ResourceCodec.Delete(PolicyKinds.WorkloadEndpoint, endpoint)]);
                return;
            }
            catch (DatastoreException e) when (e.Code is DatastoreErrorCode.Conflict or DatastoreErrorCode.NotFound)
            {
            }
        }
        throw new CniException(CniErrorCode.TryAgainLater, $"the endpoint {inv.EndpointName} kept changing during DEL");
    }

    private static CniResult Result(CniRequest request, string hostVeth, int mtu, Allocation allocation)
    {
        var mac = string.Join(':', allocation.Mac.GetAddressBytes().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        var interfaces = new List<CniInterface>
        {
            new(hostVeth, "ee:ee:ee:ee:ee:ee"),
            new(request.IfName, mac, request.Netns, mtu),
        };
        var ips = allocation.Addresses.Select(a => new CniIPConfig(IPPrefix.Host(a), null, 1)).ToList();
        var routes = new List<CniRoute>();
        if (allocation.Addresses.Any(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork))
            routes.Add(new CniRoute(new IPPrefix(IPAddress.Any, 0), PodNetwork.GatewayV4));
        if (allocation.Addresses.Any(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6))
            routes.Add(new CniRoute(new IPPrefix(IPAddress.IPv6Any, 0), PodNetwork.GatewayV6));
        return new CniResult(interfaces, ips, routes, allocation.Delegated?.Dns);
    }

    /// <summary>
    /// DEL: the endpoint (if it is this container's), the pod's interface (if the namespace and link still exist), then
    /// IPAM by handle, always. Every step tolerates what is already gone, so DEL can be repeated.
    /// </summary>
    public async Task DelAsync(CniRequest request)
    {
        var inv = CalicoInvocation.From(request, _openStore, sharedIpam);
        try
        {
            await using var store = inv.OpenStore();
            await DeleteEndpointAsync(inv, store);
            // Removing a veth makes the kernel wait out RCU grace periods (the larger part of a DEL): the addresses are
            // released meanwhile, on this thread, while a thread of its own waits for the kernel.
            var teardown = new Task<bool>(() => PodNetwork.Teardown(request.Netns, request.IfName), TaskCreationOptions.LongRunning);
            teardown.Start();
            bool removed;
            try
            {
                await ReleaseAsync(inv, store);
            }
            finally
            {
                removed = await teardown;
            }
            inv.Log.Info($"DEL {inv.EndpointName}: interface {(removed ? "removed" : "already gone")}");
        }
        finally
        {
            inv.Log.Flush();
        }
    }

    /// <summary>CHECK: the kernel state in the pod and on the host against prevResult, then IPAM.</summary>
    public async Task CheckAsync(CniRequest request)
    {
        var inv = CalicoInvocation.From(request, _openStore, sharedIpam);
        try
        {
            var prev = request.PrevResult ?? throw new CniException(CniErrorCode.InvalidNetworkConfig, "required prevResult missing");
            using (var network = PodNetwork.Open(request.Netns)) network.Verify(inv.HostVethName, request.IfName, prev);
            if (inv.Conf.Ipam.Type == CalicoIpamType)
            {
                await using var store = inv.OpenStore();
                await CalicoIpamPlugin.VerifyAsync(inv, store, prev);
            }
            else
            {
                await CniDelegate.ExecAsync(request, inv.Conf.Ipam.Type ?? "", CniSkel.Check);
            }
        }
        finally
        {
            inv.Log.Flush();
        }
    }

    public async Task GcAsync(CniRequest request)
    {
        var inv = CalicoInvocation.From(request, _openStore, sharedIpam);
        try
        {
            if (inv.Conf.Ipam.Type == CalicoIpamType)
            {
                await using var store = inv.OpenStore();
                await CalicoIpamPlugin.CollectAsync(inv, store);
            }
            else
            {
                await CniDelegate.ExecAsync(request, inv.Conf.Ipam.Type ?? "", CniSkel.Gc);
            }
        }
        finally
        {
            inv.Log.Flush();
        }
    }

    public async Task StatusAsync(CniRequest request)
    {
        var inv = CalicoInvocation.From(request, _openStore, sharedIpam);
        try
        {
            if (inv.Conf.Ipam.Type == CalicoIpamType) await CalicoIpamPlugin.ReadyAsync(inv);
            else await CniDelegate.ExecAsync(request, inv.Conf.Ipam.Type ?? "", CniSkel.Status);
        }
        finally
        {
            inv.Log.Flush();
        }
    }
}
