using System.Net.Sockets;
using CniNet.Linux;
using CniNet.Model.Net;

namespace CniNet.Bgp.Speaker;

/// <summary>
/// The speaker's routes in the kernel's main table, all with its own protocol number: a blackhole per local block,
/// and a route via the best path's next hop per learned prefix. The speaker queues the wanted route per prefix under
/// its RIB lock and hands the queue over with <see cref="Write"/>; a writer thread of its own drains it into netlink
/// batches (a BGP UPDATE carries hundreds of prefixes; a round trip each would cost more than the RIB), so the RIB
/// never waits for the kernel. The writer blocks in system calls for as long as a big batch takes, so it has a thread
/// of its own rather than one of the pool the sessions' reads and the RIB run on. The queue keeps only the latest wish per prefix: a withdraw after an announce that was
/// not written yet cancels it, one after an announce that was written deletes it in the next batch, so per prefix the
/// kernel follows the RIB's order and ends in its last state. Remembers what it installed so a delete names the exact
/// route, and clears leftovers of an earlier run at start.
/// </summary>
internal sealed class KernelRoutes : IAsyncDisposable
{
    private readonly Rtnetlink _netlink;
    private readonly byte _protocol;
    private readonly Action<string> _log;

    /// <summary>What the writer installed; the writer's alone.</summary>
    private readonly Dictionary<Cidr, RouteSpec> _installed = [];

    /// <summary>Per prefix the wanted route, or null for none, not yet taken by the writer; guarded by itself.</summary>
    private Dictionary<Cidr, RouteSpec?> _pending = [];

    /// <summary>Completed by the writer pass that takes the changes queued since the previous pass; guarded by <see cref="_pending"/>.</summary>
    private TaskCompletionSource _nextPass = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Holds at most one wake-up: however many writes are asked for meanwhile, the writer takes them in one pass.</summary>
    private readonly AutoResetEvent _wake = new(false);
    private readonly Task _writer;
    private volatile bool _stopping;

    private KernelRoutes(Rtnetlink netlink, byte protocol, Action<string> log)
    {
        _netlink = netlink;
        _protocol = protocol;
        _log = log;
        _writer = Task.Factory.StartNew(WriteLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Clears the routes an earlier run left with <paramref name="protocol"/>, then starts the writer.</summary>
    public static KernelRoutes Start(Rtnetlink netlink, byte protocol, Action<string> log)
    {
        var leftovers = new List<RouteRequest>();
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
            leftovers.AddRange(netlink.ListRoutes(family).Where(r => r.Protocol == protocol).Select(r => new RouteRequest(RouteOperation.Delete, r)));
        foreach (var failure in netlink.WriteRoutes(leftovers)) log($"removing a leftover: {failure.Error.Message}");
        return new KernelRoutes(netlink, protocol, log);
    }

    public void Blackhole(Cidr prefix) => Want(prefix, new RouteSpec(prefix.NetworkAddress, prefix.PrefixLength) { Type = RouteType.Blackhole, Protocol = _protocol });

    /// <summary>Routes <paramref name="prefix"/> via <paramref name="nextHop"/>; a next hop that is not directly reachable is logged and skipped.</summary>
    public void Via(Cidr prefix, System.Net.IPAddress nextHop) =>
        Want(prefix, new RouteSpec(prefix.NetworkAddress, prefix.PrefixLength) { Gateway = nextHop, Protocol = _protocol });

    public void Remove(Cidr prefix) => Want(prefix, null);

    private void Want(Cidr prefix, RouteSpec? route)
    {
        lock (_pending) _pending[prefix] = route;
    }

    /// <summary>Hands the changes queued so far to the writer; the task completes once they are in the kernel (or logged as refused).</summary>
    public Task Write()
    {
        Task written;
        lock (_pending) written = _nextPass.Task;
        _wake.Set();
        return written;
    }

    private void WriteLoop()
    {
        while (true)
        {
            _wake.WaitOne();
            if (_stopping) return;
            Pass();
        }
    }

    /// <summary>One pass: takes the queue and writes it as one batch; a failure is logged and the next pass goes on.</summary>
    private void Pass()
    {
        Dictionary<Cidr, RouteSpec?> batch;
        TaskCompletionSource done;
        lock (_pending)
        {
            batch = _pending;
            _pending = new Dictionary<Cidr, RouteSpec?>(batch.Count);
            done = _nextPass;
            _nextPass = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        try
        {
            Apply(batch);
        }
        catch (Exception e)
        {
            _log($"writing {batch.Count} route changes: {e.Message}");
        }
        done.SetResult();
    }

    /// <summary>
    /// The first route for a prefix is added exclusively (a connected route or one of Felix's with the same key is
    /// never clobbered: the kernel refuses with EEXIST and the prefix stays in the RIB only); ours are replaced, or
    /// deleted and added when the route type changes.
    /// </summary>
    private void Apply(Dictionary<Cidr, RouteSpec?> batch)
    {
        if (batch.Count == 0) return;
        var requests = new List<RouteRequest>(batch.Count);
        var prefixes = new List<Cidr>(batch.Count);
        foreach (var (prefix, wanted) in batch)
        {
            var ours = _installed.TryGetValue(prefix, out var existing);
            if (wanted is null)
            {
                if (!ours) continue;
                _installed.Remove(prefix);
                Request(RouteOperation.Delete, existing!);
                continue;
            }
            if (ours && existing == wanted) continue;
            if (ours && existing!.Type != wanted.Type) Request(RouteOperation.Delete, existing);
            Request(ours && existing!.Type == wanted.Type ? RouteOperation.Replace : RouteOperation.Add, wanted);
            _installed[prefix] = wanted;
        }
        var failures = _netlink.WriteRoutes(requests);
        var stuck = new List<RouteRequest>();
        foreach (var failure in failures)
        {
            // ENETUNREACH and the like: the next hop is not on a connected network; EEXIST: the prefix is not ours to route.
            _log(failure.Error.Message);
            if (failure.Request.Operation == RouteOperation.Delete) continue;
            _installed.Remove(prefixes[failure.Index]);
            // A refused replace leaves our previous route in place: it goes too, as the prefix is no longer routed by us.
            if (failure.Request.Operation == RouteOperation.Replace)
                stuck.Add(new RouteRequest(RouteOperation.Delete, failure.Request.Route with { Gateway = null }));
        }
        foreach (var failure in stuck.Count > 0 ? _netlink.WriteRoutes(stuck) : []) _log(failure.Error.Message);

        void Request(RouteOperation operation, RouteSpec route)
        {
            requests.Add(new RouteRequest(operation, route));
            prefixes.Add(Cidr.Containing(route.Destination, route.PrefixLength));
        }
    }

    /// <summary>Stops the writer, then takes every route of ours out of the kernel (wishes not written yet are dropped).</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _wake.Set();
        // The event stays undisposed: a session's late report may still ask for a write, which must be a no-op, not a throw.
        await _writer;
        lock (_pending)
        {
            _pending.Clear();
            foreach (var prefix in _installed.Keys) _pending[prefix] = null;
        }
        Pass();
        _netlink.Dispose();
    }
}
