namespace CniNet.IpamCore;

/// <summary>
/// Group commit for one client's concurrent assignments. An assignment that finds its host idle runs alone, as it would
/// without the queue; while it is in flight, later assignments for the host wait, and when it ends they go to the store
/// together (<see cref="IpamClient.AssignBatchAsync"/>: on a warm node one read and one commit for all of them, the
/// addresses given in arrival order). A node agent serving many CNI ADDs at once pays one commit per batch instead of
/// one per pod.
/// </summary>
internal sealed class AssignmentQueues(IpamClient client)
{
    /// <summary>Four /26 blocks' worth: a batch that outgrows its blocks is split where it does (see the batch).</summary>
    private const int MaxBatch = 256;

    private readonly Dictionary<string, Queue<QueuedAssignment>> _busy = [];

    public async Task<(IpamAssignments V4, IpamAssignments V6)> RunAsync(QueuedAssignment request,
        Func<Task<(IpamAssignments V4, IpamAssignments V6)>> alone)
    {
        var host = request.Host;
        bool queued;
        lock (_busy)
        {
            queued = _busy.TryGetValue(host, out var queue);
            if (queued) queue!.Enqueue(request);
            else _busy[host] = new Queue<QueuedAssignment>();
        }
        if (queued) return await request.Outcome.Task;
        try
        {
            return await alone();
        }
        finally
        {
            RunNext(host);
        }
    }

    /// <summary>Hands the host's waiting assignments to one batch, or marks the host idle when none wait.</summary>
    private void RunNext(string host)
    {
        List<QueuedAssignment> batch;
        lock (_busy)
        {
            var queue = _busy[host];
            if (queue.Count == 0)
            {
                _busy.Remove(host);
                return;
            }
            batch = new List<QueuedAssignment>(Math.Min(queue.Count, MaxBatch));
            while (batch.Count < MaxBatch && queue.TryDequeue(out var next)) batch.Add(next);
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await client.AssignBatchAsync(batch);
            }
            catch (Exception e)
            {
                foreach (var request in batch) request.Outcome.TrySetException(e);
            }
            finally
            {
                RunNext(host);
            }
        });
    }
}
