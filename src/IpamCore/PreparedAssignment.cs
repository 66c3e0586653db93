using CniNet.Datastore;

namespace CniNet.IpamCore;

/// <summary>
/// An assignment whose first round trip is done: IPAM's state plus the caller's own reads (a CNI ADD reads its Pod,
/// Namespace and endpoint here). On a warm node the addresses, the handle and the caller's writes (the endpoint) then
/// go to the store in one commit: two round trips in all (a block to fetch or claim adds its own). When the plan needs
/// more (an affinity to repair, borrowing, a lost race), the general algorithm runs, and the caller's writes follow in
/// a commit of their own.
/// </summary>
public sealed class PreparedAssignment
{
    private readonly IpamClient _client;
    private readonly AssignSession _session;

    internal PreparedAssignment(IpamClient client, AssignSession session)
    {
        _client = client;
        _session = session;
    }

    public ExtraReads Extra => _session.Extra;

    /// <summary>
    /// Assigns as <see cref="IpamClient.AutoAssignAsync(AutoAssignArgs, CancellationToken)"/> does, and commits
    /// <paramref name="extraWrites"/> (given the addresses) only when every requested address was assigned.
    /// <see cref="AutoAssignArgs.NamespaceLabels"/> must be given when pools select by namespace: this session reads no more.
    /// </summary>
    public async Task<(IpamAssignments V4, IpamAssignments V6)> AutoAssignAsync(AutoAssignArgs args,
        Func<IpamAssignments, IpamAssignments, IReadOnlyList<WriteOp>> extraWrites, CancellationToken ct = default)
    {
        IpamClient.Validate(args);
        if (IpamObjects.SanitizeHandle(args.HandleId ?? "") != IpamObjects.SanitizeHandle(_session.HandleId ?? ""))
            throw new IpamException(IpamErrorCode.InvalidArgument, "the handle must be the one the assignment was prepared for");
        return await _client.Queues.RunAsync(new QueuedAssignment(args, extraWrites), () => PlannedAsync(args, extraWrites, ct));
    }

    private async Task<(IpamAssignments V4, IpamAssignments V6)> PlannedAsync(AutoAssignArgs args,
        Func<IpamAssignments, IpamAssignments, IReadOnlyList<WriteOp>> extraWrites, CancellationToken ct)
    {
        _session.Bind(args.HandleId, args.Attrs, args.NamespaceLabels);
        _session.StartPlanning();
        try
        {
            var (v4, v6) = await _client.AssignAsync(_session, args, ct);
            if (await _session.CommitPlanAsync(extraWrites(v4, v6), ct))
            {
                _client.RememberPreferred(_session);
                return (v4, v6);
            }
        }
        catch (PlanAbandoned)
        {
        }
        return await _client.AssignThenWriteAsync(args, extraWrites, ct);
    }
}
