using CniNet.Datastore;

namespace CniNet.IpamCore;

/// <summary>
/// One assignment waiting for its host: the request, the caller's writes to commit with the addresses (given them), and
/// where its outcome goes.
/// </summary>
internal sealed class QueuedAssignment(AutoAssignArgs args, Func<IpamAssignments, IpamAssignments, IReadOnlyList<WriteOp>>? writes)
{
    public AutoAssignArgs Args => args;

    public Func<IpamAssignments, IpamAssignments, IReadOnlyList<WriteOp>>? Writes => writes;

    public string Host => IpamClient.SessionHost(args.Hostname, args.IntendedUse);

    public TaskCompletionSource<(IpamAssignments V4, IpamAssignments V6)> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
