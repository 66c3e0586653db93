using CniNet.Datastore;
using CniNet.Model.Kubernetes;
using CniNet.Model.Resources;

namespace CniNet.IpamCore;

public sealed partial class IpamClient
{
    /// <summary>
    /// Assigns for several requests of one host: one session reads the state and every handle once, plans the requests
    /// in order against the same blocks, and commits all of them (blocks, handles, the callers' writes) in one
    /// transaction. A plan that fills its blocks reads or claims the next one and runs on, so a batch is not cut where a
    /// block ends. The request that would need another write (an affinity to confirm or repair) or to borrow ends the
    /// shared plan: the planned ones are committed, it runs alone, and the rest form the next plan. When the commit
    /// loses a race, every request of the plan runs alone. Every request's outcome is set.
    /// </summary>
    internal async Task AssignBatchAsync(IReadOnlyList<QueuedAssignment> batch)
    {
        var rest = batch;
        while (rest.Count > 0)
        {
            var planned = await AssignTogetherAsync(rest);
            if (planned < 0)
            {
                foreach (var request in rest) await AssignAloneAsync(request);
                return;
            }
            if (planned == rest.Count) return;
            await AssignAloneAsync(rest[planned]);
            rest = rest.Skip(planned + 1).ToList();
        }
    }

    /// <summary>How many leading requests one shared plan assigned and committed; -1 when its commit lost a race.</summary>
    private async Task<int> AssignTogetherAsync(IReadOnlyList<QueuedAssignment> requests)
    {
        var first = requests[0].Args;
        var namespaces = requests.Select(r => r.Args).Where(a => a.Namespace is not null && a.NamespaceLabels is null)
            .Select(a => a.Namespace!).Distinct().ToList();
        var session = await AssignSession.OpenAsync(this, first.Hostname, requests.Select(r => r.Args.HandleId).OfType<string>().ToList(),
            null, first.IntendedUse, null, null, PreferredBlocks(first.Hostname, first.IntendedUse), CancellationToken.None,
            namespaces.Select(n => ReadOp.Get(ResourceCodec.KeyOf(ResourceKinds.Namespace, n))).ToList());
        var namespaceLabels = new Dictionary<string, IReadOnlyDictionary<string, string>?>();
        for (var i = 0; i < namespaces.Count; i++)
            namespaceLabels[namespaces[i]] = session.Extra.Single(i) is { } entry ? ResourceCodec.Decode<Namespace>(ResourceKinds.Namespace, entry).Metadata.Labels : null;
        session.StartPlanning();
        var results = new List<(IpamAssignments V4, IpamAssignments V6)>();
        var writes = new List<WriteOp>();
        foreach (var request in requests)
        {
            var args = request.Args;
            var mark = session.Mark();
            try
            {
                Validate(args);
                session.Bind(args.HandleId, args.Attrs, args.NamespaceLabels ?? (args.Namespace is { } ns ? namespaceLabels[ns] : null));
                var assigned = await AssignAsync(session, args, CancellationToken.None);
                writes.AddRange(request.Writes?.Invoke(assigned.V4, assigned.V6) ?? []);
                results.Add(assigned);
            }
            catch (Exception e) when (e is PlanAbandoned or IpamException)
            {
                // Alone, the request meets the same need (or error) with the round trips it takes.
                session.Rewind(mark);
                break;
            }
        }
        if (results.Count == 0) return 0;
        if (!await session.CommitPlanAsync(writes, CancellationToken.None)) return -1;
        RememberPreferred(session);
        for (var i = 0; i < results.Count; i++) requests[i].Outcome.TrySetResult(results[i]);
        return results.Count;
    }

    private async Task AssignAloneAsync(QueuedAssignment request)
    {
        try
        {
            request.Outcome.TrySetResult(await AssignThenWriteAsync(request.Args, request.Writes, CancellationToken.None));
        }
        catch (Exception e)
        {
            request.Outcome.TrySetException(e);
        }
    }

    /// <summary>
    /// The general algorithm for one request, then the caller's writes in a commit of their own, made only when every
    /// requested address was assigned.
    /// </summary>
    internal async Task<(IpamAssignments V4, IpamAssignments V6)> AssignThenWriteAsync(AutoAssignArgs args,
        Func<IpamAssignments, IpamAssignments, IReadOnlyList<WriteOp>>? writes, CancellationToken ct)
    {
        var result = await AssignUnqueuedAsync(args, ct);
        if (writes is not null && result.V4.PartialFulfillmentError() is null && result.V6.PartialFulfillmentError() is null
            && writes(result.V4, result.V6) is { Count: > 0 } ops)
            await Store.CommitAsync(ops, ct);
        return result;
    }
}
