using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using CniNet.Bgp.Rib;
using CniNet.Bgp.Session;
using CniNet.Bgp.Wire;
using CniNet.Datastore;
using CniNet.IpamCore;
using CniNet.Linux;
using CniNet.Model.Bgp;
using CniNet.Model.Ipam;
using CniNet.Model.Kubernetes;
using CniNet.Model.Net;
using CniNet.Model.Network;
using CniNet.Model.Resources;

namespace CniNet.Bgp.Speaker;

/// <summary>
/// This node's BGP speaker, as calico-node's BIRD: peers from the Calico resources (<see cref="CalicoBgpConfig"/>),
/// each confirmed block affinity of the node advertised as an aggregate with a blackhole route in the kernel, with the
/// rest of what confd exports (<see cref="CalicoAdvertisements"/>), and the best learned routes installed in the kernel
/// with the speaker's own protocol number, removed again on withdraw or when their session ends. Reads the resources
/// again every <see cref="BgpSpeakerOptions.ResyncInterval"/> and changes only what differs.
/// </summary>
public sealed class BgpSpeaker : IAsyncDisposable, IBgpSessionObserver
{
    /// <summary>Every kind a resync reads; a change to any of them wakes the resync loop.</summary>
    private static readonly string[] WatchedKinds =
    [
        ResourceKinds.Node.StoreKind, PolicyKinds.BGPConfiguration.StoreKind, PolicyKinds.BGPPeer.StoreKind,
        ResourceKinds.BlockAffinity.StoreKind, ResourceKinds.IPPool.StoreKind, ResourceKinds.IPAMBlock.StoreKind,
        ResourceKinds.Service.StoreKind, ResourceKinds.EndpointSlice.StoreKind,
    ];

    /// <summary>What Calico (3.32+) sends on iBGP for a normal route: 2147483647 minus the kernel metric 1024.</summary>
    public const uint CalicoLocalPref = 2147482623;

    private readonly string _nodeName;
    private readonly IDatastore _store;
    private readonly BgpSpeakerOptions _options;
    private readonly KernelRoutes _kernel;
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>
    /// Orders what goes to peers: every Adj-RIB-Out update is computed and sent under it, so a withdrawal never
    /// overtakes the announcement it cancels. Taken before <see cref="_lock"/>, never inside it.
    /// </summary>
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly LocRib _rib = new();
    private readonly Dictionary<string, BgpSession> _sessions = [];
    private readonly HashSet<Cidr> _local = [];
    private readonly HashSet<Cidr> _blackholes = [];
    private CalicoAdvertisements? _advertisements;

    /// <summary>Per peer, the routes kept while it restarts gracefully (RFC 4724 §4.2), until it refreshes them or its restart time runs out.</summary>
    private readonly Dictionary<string, HashSet<Cidr>> _stale = [];

    /// <summary>Per established session, what it has been sent.</summary>
    private readonly Dictionary<string, AdjRibOut> _adjOut = [];

    /// <summary>Prefixes whose best path changed since the peers were last brought up to date.</summary>
    private readonly HashSet<Cidr> _dirty = [];

    /// <summary>Per peer, the graceful restart capability of its last OPEN.</summary>
    private readonly Dictionary<string, GracefulRestartCapability?> _restart = [];
    private readonly CancellationTokenSource _stop = new();
    private BgpNodeConfig? _config;
    private BgpSessionSettings? _settings;
    private BgpListener? _listener;
    private Task? _resync;

    /// <summary>The watch of the Secret namespace, running while some password names a Secret, and how to stop it.</summary>
    private (Task Task, CancellationTokenSource Stop)? _secretWatch;

    /// <summary>The peerings the last resync left without a session, and why; logged when they change.</summary>
    private IReadOnlyList<string> _skipped = [];

    /// <summary>Set when a watched kind changed; holds at most one wake-up, so a burst of changes costs one resync.</summary>
    private readonly Channel<bool> _wakes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>The store revision of the last resync, where watches (re)start.</summary>
    private long _revision;
    private int _disposed;
    private int _routeCount;

    private BgpSpeaker(string nodeName, IDatastore store, BgpSpeakerOptions options, KernelRoutes kernel)
    {
        _nodeName = nodeName;
        _store = store;
        _options = options;
        _kernel = kernel;
    }

    /// <summary>Starts the speaker for <paramref name="nodeName"/>: clears its routes left from an earlier run, reads the resources once, and keeps them applied until disposed.</summary>
    public static async Task<BgpSpeaker> StartAsync(string nodeName, IDatastore store, BgpSpeakerOptions options, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        var netlink = options.Namespace is { } ns ? Rtnetlink.OpenIn(ns) : Rtnetlink.Open();
        var kernel = KernelRoutes.Start(netlink, options.RouteProtocol, options.Log);
        var speaker = new BgpSpeaker(nodeName, store, options, kernel);
        await speaker.ResyncAsync(ct);
        speaker._resync = Task.WhenAll([Task.Run(speaker.ResyncLoopAsync), .. WatchedKinds.Select(k => Task.Run(() => speaker.WatchAsync(k, null, speaker._stop.Token)))]);
        return speaker;
    }

    /// <summary>The config the speaker runs with (null until this node's Node resource has a BGP address).</summary>
    public BgpNodeConfig? Config => _config;

    public IReadOnlyList<BgpSession> Sessions
    {
        get
        {
            lock (_sessions) return [.. _sessions.Values];
        }
    }

    /// <summary>Every peer's session as <c>calicoctl node status</c> shows it, ordered by address.</summary>
    public IReadOnlyList<BgpPeerStatus> Status() =>
        [.. Sessions.Select(BgpPeerStatus.Of).OrderBy(s => s.PeerAddress.ToString(), StringComparer.Ordinal)];

    /// <summary>The prefixes this node originates (its confirmed blocks).</summary>
    public async Task<IReadOnlyList<Cidr>> LocalPrefixesAsync()
    {
        await _lock.WaitAsync();
        try
        {
            return [.. _local];
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>How many prefixes have a learned best path; read without waiting for the RIB, for status and polling.</summary>
    public int RouteCount => Volatile.Read(ref _routeCount);

    /// <summary>The best learned path of every prefix.</summary>
    public async Task<IReadOnlyList<RibPath>> RoutesAsync()
    {
        await _lock.WaitAsync();
        try
        {
            return [.. _rib.BestPaths];
        }
        finally
        {
            _lock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stop.CancelAsync();
        if (_resync is not null) await _resync;
        await StopSecretWatchAsync();
        await StopSessionsAsync();
        await _kernel.DisposeAsync();
        _stop.Dispose();
    }

    async Task IBgpSessionObserver.EstablishedAsync(BgpSession session)
    {
        _options.Log($"{session.Peer.Name}: established");
        await _lock.WaitAsync();
        try
        {
            var restart = session.PeerOpen?.GracefulRestart;
            _restart[session.Peer.Name] = restart;
            _adjOut[session.Peer.Name] = new AdjRibOut();
            // Families the restarted peer did not keep forwarding state for lose their stale routes now (RFC 4724 §4.2).
            PurgeStale(session.Peer.Name, prefix => restart?.Families.Any(f => f.Family.IsV6 == prefix.IsV6 && f.ForwardingPreserved) != true);
            _ = _kernel.Write();
        }
        finally
        {
            _lock.Release();
        }
        await SyncAsync(null, session, session.Families.Select(UpdateMessage.EndOfRibFor));
        await FlushAsync();
    }

    async Task IBgpSessionObserver.RefreshRequestedAsync(BgpSession session, BgpFamily family)
    {
        if (!session.Families.Contains(family)) return;
        await _lock.WaitAsync();
        try
        {
            _adjOut.GetValueOrDefault(session.Peer.Name)?.Forget(family.IsV6);
        }
        finally
        {
            _lock.Release();
        }
        await SyncAsync(null, session, []);
    }

    async Task IBgpSessionObserver.ReceivedAsync(BgpSession session, UpdateMessage update)
    {
        var a = update.Attributes;
        var withdrawn = update.Withdrawn.Concat(a.MpUnreach?.Withdrawn ?? []);
        var announced = update.Nlri.Select(p => (p, a.NextHop)).Concat(a.MpReach?.Nlri.Select(p => (p, (IPAddress?)a.MpReach.NextHop)) ?? []).ToList();
        if (update.TreatAsWithdraw is { } error)
        {
            _options.Log($"{session.Peer.Name}: treat-as-withdraw: {error}");
            withdrawn = withdrawn.Concat(announced.Select(x => x.p));
            announced = [];
        }
        else if (Rejected(session, a) is { } reason)
        {
            withdrawn = withdrawn.Concat(announced.Select(x => x.p));
            announced = [];
            _options.Log($"{session.Peer.Name}: ignoring routes: {reason}");
        }
        await _lock.WaitAsync();
        try
        {
            var stale = _stale.GetValueOrDefault(session.Peer.Name);
            foreach (var prefix in withdrawn)
            {
                stale?.Remove(prefix);
                Apply(_rib.Remove(session.Peer.Name, prefix));
            }
            var stored = a.ForPropagation() with { NextHop = null };
            foreach (var (prefix, nextHop) in announced)
            {
                stale?.Remove(prefix);
                if (nextHop is null) continue;
                Apply(_rib.Add(new RibPath(prefix, stored, nextHop, session.Peer.Name, !session.IsInternal,
                    session.PeerOpen?.BgpIdentifier ?? IPAddress.Any, session.Peer.Address)));
            }
            if (update.EndOfRib is { } family) PurgeStale(session.Peer.Name, prefix => prefix.IsV6 == family.IsV6);
            _ = _kernel.Write();
        }
        finally
        {
            _lock.Release();
        }
        await FlushAsync();
    }

    async Task IBgpSessionObserver.ClosedAsync(BgpSession session, string reason, bool abrupt)
    {
        _options.Log($"{session.Peer.Name}: down: {reason}");
        var peer = session.Peer.Name;
        await _lock.WaitAsync();
        try
        {
            _adjOut.Remove(peer);
            if (abrupt && _restart.GetValueOrDefault(peer) is { RestartTime: > 0 } restart)
            {
                var kept = _rib.PrefixesOf(peer).Where(p => restart.Families.Any(f => f.Family.IsV6 == p.IsV6)).ToHashSet();
                foreach (var prefix in _rib.PrefixesOf(peer).Except(kept)) Apply(_rib.Remove(peer, prefix));
                _stale[peer] = kept;
                _options.Log($"{peer}: keeping {kept.Count} routes for up to {restart.RestartTime} s while it restarts");
                _ = PurgeStaleLaterAsync(session, kept, TimeSpan.FromSeconds(restart.RestartTime));
            }
            else
            {
                _stale.Remove(peer);
                foreach (var change in _rib.RemovePeer(peer)) Apply(change);
            }
            _ = _kernel.Write();
        }
        finally
        {
            _lock.Release();
        }
        await FlushAsync();
    }

    /// <summary>The restart time ran out: routes the peer has not refreshed by then go, unless it is back and will send End-of-RIB.</summary>
    private async Task PurgeStaleLaterAsync(BgpSession session, HashSet<Cidr> stale, TimeSpan restartTime)
    {
        try
        {
            await Task.Delay(restartTime, _stop.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        await _lock.WaitAsync();
        try
        {
            if (session.State != BgpSessionState.Established && _stale.GetValueOrDefault(session.Peer.Name) == stale)
                PurgeStale(session.Peer.Name, _ => true);
            _ = _kernel.Write();
        }
        finally
        {
            _lock.Release();
        }
        await FlushAsync();
    }

    /// <summary>Removes the peer's stale routes that match <paramref name="which"/>; the caller holds the lock.</summary>
    private void PurgeStale(string peer, Func<Cidr, bool> which)
    {
        if (!_stale.TryGetValue(peer, out var stale)) return;
        foreach (var prefix in stale.Where(which).ToList())
        {
            stale.Remove(prefix);
            Apply(_rib.Remove(peer, prefix));
        }
        if (stale.Count == 0) _stale.Remove(peer);
    }

    /// <summary>Loop prevention: our own AS in an eBGP path (RFC 4271 §9.1.2), our router id as ORIGINATOR_ID (RFC 4456 §8).</summary>
    private string? Rejected(BgpSession session, PathAttributes a)
    {
        if (!session.IsInternal && a.AsPathContains(session.Settings.LocalAs)) return $"AS path {string.Join(' ', a.AsPath!)} contains our AS";
        if (a.OriginatorId is { } originator && originator.Equals(session.Settings.RouterId)) return "ORIGINATOR_ID is our router id";
        if (_config?.ClusterId is { } cluster && a.ClusterList.Contains(cluster)) return "CLUSTER_LIST holds our cluster id";
        return null;
    }

    /// <summary>Queues one best-path change for the kernel; what we originate keeps its own route (a blackhole, a pod's) whatever peers say.</summary>
    private void Apply(RibChange? change)
    {
        if (change is null) return;
        _dirty.Add(change.Prefix);
        if (change.Old is null) Interlocked.Increment(ref _routeCount);
        else if (change.New is null) Interlocked.Decrement(ref _routeCount);
        if (_blackholes.Contains(change.Prefix) || _local.Contains(change.Prefix)) return;
        if (change.New is { } best) _kernel.Via(change.Prefix, best.NextHop);
        else _kernel.Remove(change.Prefix);
    }

    /// <summary>
    /// What <paramref name="target"/> should have for <paramref name="prefix"/>: our own blocks to everyone; learned
    /// routes only when this node reflects them (RFC 4456 §6: from a client to every other iBGP peer, from a non-client
    /// to clients), with ORIGINATOR_ID and our cluster id on the CLUSTER_LIST, next hop unchanged. The caller holds the lock.
    /// </summary>
    private Advertisement? ExportFor(BgpSession target, Cidr prefix)
    {
        if (!target.Families.Any(f => f.IsV6 == prefix.IsV6)) return null;
        if (_local.Contains(prefix))
            return NextHopFor(target, prefix.IsV6) is { } nextHop ? new Advertisement(LocalAttributes(target, prefix), nextHop) : null;
        if (_blackholes.Contains(prefix) || _rib.Best(prefix) is not { } best || best.Peer == target.Peer.Name) return null;
        if (best.External || !target.IsInternal || _config?.ClusterId is not { } cluster) return null;
        var fromClient = Sessions.FirstOrDefault(s => s.Peer.Name == best.Peer)?.Peer.RouteReflectorClient ?? false;
        if (!fromClient && !target.Peer.RouteReflectorClient) return null;
        var attributes = best.Attributes with
        {
            OriginatorId = best.Attributes.OriginatorId ?? best.PeerRouterId,
            ClusterList = [cluster, .. best.Attributes.ClusterList],
        };
        return new Advertisement(attributes, best.NextHop);
    }

    private PathAttributes LocalAttributes(BgpSession session, Cidr prefix)
    {
        var (communities, large) = _advertisements?.CommunitiesFor(prefix) ?? ([], []);
        return new PathAttributes
        {
            Origin = BgpOrigin.Igp,
            AsPath = session.IsInternal ? [] : [new AsPathSegment(AsPathSegmentType.Sequence, [session.Settings.LocalAs])],
            LocalPref = session.IsInternal ? CalicoLocalPref : null,
            Communities = communities,
            LargeCommunities = large,
        };
    }

    /// <summary>Brings every established peer up to date on the prefixes whose best path changed.</summary>
    private async Task FlushAsync()
    {
        List<Cidr> dirty;
        await _lock.WaitAsync();
        try
        {
            dirty = [.. _dirty];
            _dirty.Clear();
        }
        finally
        {
            _lock.Release();
        }
        if (dirty.Count > 0) await SyncAsync(dirty, null, []);
    }

    /// <summary>
    /// Sends <paramref name="only"/> (or every established session) what differs from its Adj-RIB-Out for
    /// <paramref name="prefixes"/> (null: every prefix we know), followed by <paramref name="then"/>.
    /// </summary>
    private async Task SyncAsync(IReadOnlyCollection<Cidr>? prefixes, BgpSession? only, IEnumerable<BgpMessage> then)
    {
        await _sendLock.WaitAsync();
        try
        {
            var sends = new List<(BgpSession, List<BgpMessage>)>();
            await _lock.WaitAsync();
            try
            {
                var all = prefixes ?? [.. _local.Concat(_rib.BestPaths.Select(p => p.Prefix)).Distinct()];
                foreach (var session in only is null ? Sessions : [only])
                {
                    if (!_adjOut.TryGetValue(session.Peer.Name, out var sent)) continue;
                    var messages = new List<BgpMessage>(sent.Sync(all.Select(p => (p, ExportFor(session, p)))));
                    if (only is not null) messages.AddRange(then);
                    if (messages.Count > 0) sends.Add((session, messages));
                }
            }
            finally
            {
                _lock.Release();
            }
            foreach (var (session, messages) in sends) await session.SendAsync(messages);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>The session's own address for its family; the node's address of the other family otherwise.</summary>
    private IPAddress? NextHopFor(BgpSession session, bool v6)
    {
        var local = session.LocalAddress;
        if (local is not null && (local.AddressFamily == AddressFamily.InterNetworkV6) == v6) return local;
        return v6 ? _config?.Ipv6Address : _config?.Ipv4Address;
    }

    private async Task ResyncLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(_options.ResyncInterval);
                try
                {
                    await _wakes.Reader.ReadAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                {
                    // No change seen for a whole interval: resync anyway, in case a watch missed one.
                }
                await ResyncAsync(_stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Whatever one pass hit (an unreachable store, a resource that does not decode), the next may not.
                _options.Log($"resync failed: {e.Message}");
            }
        }
    }

    /// <summary>
    /// Wakes the resync loop on every change to <paramref name="kind"/> (in namespace <paramref name="ns"/> when given);
    /// restarts the watch after a failure (e.g. a compacted revision).
    /// </summary>
    private async Task WatchAsync(string kind, string? ns, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (var _ in _store.WatchAsync(kind, ns, Volatile.Read(ref _revision), ct)) _wakes.Writer.TryWrite(true);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _options.Log($"watching {kind}: {e.Message}");
                _wakes.Writer.TryWrite(true);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ResyncAsync(CancellationToken ct)
    {
        var read = await _store.ReadAsync(
        [
            ReadOp.List(ResourceKinds.Node.StoreKind),
            ReadOp.List(PolicyKinds.BGPConfiguration.StoreKind),
            ReadOp.List(PolicyKinds.BGPPeer.StoreKind),
            ReadOp.List(ResourceKinds.BlockAffinity.StoreKind, namePrefix: IpamNames.AffinityPrefix(_nodeName)),
            ReadOp.List(ResourceKinds.IPPool.StoreKind),
            ReadOp.List(ResourceKinds.IPAMBlock.StoreKind),
            ReadOp.List(ResourceKinds.Service.StoreKind),
            ReadOp.List(ResourceKinds.EndpointSlice.StoreKind),
        ], ct);
        Volatile.Write(ref _revision, read.Revision);
        var nodes = read.Many(0).Select(e => ResourceCodec.Decode<Node>(ResourceKinds.Node, e)).ToList();
        var configurations = read.Many(1).Select(e => ResourceCodec.Decode<BGPConfiguration>(PolicyKinds.BGPConfiguration, e)).ToList();
        var peers = read.Many(2).Select(e => ResourceCodec.Decode<BGPPeer>(PolicyKinds.BGPPeer, e)).ToList();
        var affinities = read.Many(3).Select(e => ResourceCodec.Decode<BlockAffinity>(ResourceKinds.BlockAffinity, e)).ToList();
        var pools = read.Many(4).Select(e => ResourceCodec.Decode<IPPool>(ResourceKinds.IPPool, e)).ToList();
        var blocks = read.Many(5).Select(e => ResourceCodec.Decode<IPAMBlock>(ResourceKinds.IPAMBlock, e));
        var services = read.Many(6).Select(e => ResourceCodec.Decode<Service>(ResourceKinds.Service, e));
        var slices = read.Many(7).Select(e => ResourceCodec.Decode<EndpointSlice>(ResourceKinds.EndpointSlice, e));

        var passwords = await ReadPasswordsAsync(BgpPasswords.SecretNames(configurations, peers), ct);
        var config = CalicoBgpConfig.Resolve(_nodeName, nodes, configurations, peers, passwords);
        var skipped = config?.Skipped ?? [];
        foreach (var line in skipped.Except(_skipped)) _options.Log(line);
        _skipped = skipped;
        await ApplyConfigAsync(config);
        var cluster = configurations.FirstOrDefault(c => c.Metadata.Name == BGPConfiguration.DefaultName)?.Spec;
        await ApplyLocalPrefixesAsync(CalicoAdvertisements.Of(_nodeName, affinities, pools, blocks, cluster, services, slices));
    }

    /// <summary>
    /// Reads the Secrets that passwords name, one by one from the Secret namespace (calico-node may read just those),
    /// and keeps that namespace watched while there are any, so a changed key re-keys the sessions that use it.
    /// </summary>
    private async Task<BgpPasswords> ReadPasswordsAsync(IReadOnlyList<string> names, CancellationToken ct)
    {
        var ns = _options.SecretNamespace;
        if (names.Count == 0)
        {
            await StopSecretWatchAsync();
            return new BgpPasswords(ns, new Dictionary<string, Secret>());
        }
        if (_secretWatch is null)
        {
            var stop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            _secretWatch = (Task.Run(() => WatchAsync(ResourceKinds.Secret.StoreKind, ns, stop.Token)), stop);
        }
        var read = await _store.ReadAsync([.. names.Select(n => ReadOp.Get(ResourceCodec.KeyOf(ResourceKinds.Secret, n, ns)))], ct);
        var secrets = new Dictionary<string, Secret>();
        for (var i = 0; i < names.Count; i++)
            if (read.Single(i) is { } entry) secrets[names[i]] = ResourceCodec.Decode<Secret>(ResourceKinds.Secret, entry);
        return new BgpPasswords(ns, secrets);
    }

    private async Task StopSecretWatchAsync()
    {
        if (_secretWatch is not { } watch) return;
        _secretWatch = null;
        await watch.Stop.CancelAsync();
        await watch.Task;
        watch.Stop.Dispose();
    }

    private async Task ApplyConfigAsync(BgpNodeConfig? config)
    {
        if (Equals(config, _config)) return;
        var restartAll = config is null || _config is null || config.LocalAs != _config.LocalAs || !config.RouterId.Equals(_config.RouterId)
                         || config.ListenPort != _config.ListenPort;
        if (restartAll) await StopSessionsAsync();
        _config = config;
        if (config is null) return;
        if (restartAll)
        {
            _settings = new BgpSessionSettings(config.LocalAs, config.RouterId)
            {
                HoldTime = _options.HoldTime,
                ConnectRetry = _options.ConnectRetry,
                GracefulRestartTime = _options.GracefulRestartTime,
                CreateSocket = CreateSocket,
            };
        }
        var settings = _settings!;
        _listener ??= BgpListener.Start(CreateSocket, _options.ListenAddress, config.ListenPort, SessionAt);
        var wanted = config.Peers.ToDictionary(p => p.Name);
        List<BgpSession> stale;
        lock (_sessions) stale = _sessions.Values.Where(s => !wanted.TryGetValue(s.Peer.Name, out var p) || p != s.Peer).ToList();
        foreach (var session in stale)
        {
            lock (_sessions) _sessions.Remove(session.Peer.Name);
            await session.DisposeAsync();
            // A peer that is gone (or whose key changed) must not get in with the key it had.
            _listener.SetPassword(session.Peer.Address, null);
        }
        foreach (var peer in config.Peers)
        {
            lock (_sessions)
                if (_sessions.ContainsKey(peer.Name)) continue;
            _listener.SetPassword(peer.Address, peer.Password);
            var session = new BgpSession(peer, settings, this);
            lock (_sessions) _sessions[peer.Name] = session;
            session.Start();
        }
    }

    private Socket CreateSocket(AddressFamily family) =>
        _options.Namespace is { } ns
            ? ns.Run(() => new Socket(family, SocketType.Stream, ProtocolType.Tcp))
            : new Socket(family, SocketType.Stream, ProtocolType.Tcp);

    private BgpSession? SessionAt(IPAddress address)
    {
        lock (_sessions) return _sessions.Values.FirstOrDefault(s => s.Peer.Address.Equals(address));
    }

    private async Task ApplyLocalPrefixesAsync(CalicoAdvertisements wanted)
    {
        Task written;
        await _lock.WaitAsync();
        try
        {
            _advertisements = wanted;
            foreach (var prefix in wanted.Exported.Except(_local).ToList())
            {
                _local.Add(prefix);
                if (!wanted.Blackholes.Contains(prefix)) _kernel.Remove(prefix);
            }
            foreach (var prefix in _local.Except(wanted.Exported).ToList())
            {
                _local.Remove(prefix);
                _dirty.Add(prefix);
                if (!_blackholes.Contains(prefix) && _rib.Best(prefix) is { } learned) _kernel.Via(prefix, learned.NextHop);
            }
            // Every local prefix, as its communities may have changed; peers are sent only what differs.
            _dirty.UnionWith(_local);
            foreach (var prefix in wanted.Blackholes.Where(_blackholes.Add)) _kernel.Blackhole(prefix);
            foreach (var prefix in _blackholes.Except(wanted.Blackholes).ToList())
            {
                _blackholes.Remove(prefix);
                _kernel.Remove(prefix);
                if (!_local.Contains(prefix) && _rib.Best(prefix) is { } learned) _kernel.Via(prefix, learned.NextHop);
            }
            written = _kernel.Write();
        }
        finally
        {
            _lock.Release();
        }
        // Our blackholes are in the kernel before peers are sent the blocks they cover.
        await written;
        await FlushAsync();
    }

    private async Task StopSessionsAsync()
    {
        List<BgpSession> all;
        lock (_sessions)
        {
            all = [.. _sessions.Values];
            _sessions.Clear();
        }
        foreach (var session in all) await session.DisposeAsync();
        if (_listener is not null) await _listener.DisposeAsync();
        _listener = null;
    }
}
