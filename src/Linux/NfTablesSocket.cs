using CniNet.Linux.Netlink;

namespace CniNet.Linux;

/// <summary>
/// A NETLINK_NETFILTER socket in one network namespace, committing nf_tables batches written by
/// <see cref="NfTablesBatch"/>: what <c>nft -f</c> sends the kernel, without nft's parser, evaluator or its listing of
/// the ruleset into a cache first. Not thread-safe: one owner commits batches in order.
/// </summary>
public sealed class NfTablesSocket : IDisposable
{
    private readonly NetlinkSocket _socket;

    private NfTablesSocket(NetlinkSocket socket) => _socket = socket;

    /// <summary>A socket in <paramref name="netns"/>, or in the calling thread's namespace when null; it stays there.</summary>
    public static NfTablesSocket Open(NetworkNamespace? netns = null)
    {
        static NetlinkSocket OpenHere() => NetlinkSocket.Open(Interop.Libc.NETLINK_NETFILTER);
        return new NfTablesSocket(netns is null ? OpenHere() : netns.Run(OpenHere));
    }

    /// <summary>
    /// Sends the batch (sealing it) and returns what the kernel refused, in the order it answered: empty means every
    /// message was applied and the transaction committed; otherwise none of it was.
    /// </summary>
    public IReadOnlyList<NfTablesFailure> Commit(NfTablesBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var failures = new List<NfTablesFailure>();
        _socket.SendBatch(batch.Seal(), (sequence, errno, message) =>
            failures.Add(new NfTablesFailure(batch.OriginOf(sequence), errno, message)), "nf_tables batch");
        return failures;
    }

    public void Dispose() => _socket.Dispose();
}
