using System.Collections.Concurrent;
using CniNet.Bgp.Session;
using CniNet.Bgp.Wire;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>Keeps what a session reported, for tests that drive sessions without a speaker.</summary>
public sealed class RecordingObserver : IBgpSessionObserver
{
    public ConcurrentQueue<UpdateMessage> Updates { get; } = new();

    public ConcurrentQueue<string> Closed { get; } = new();

    public int Established;

    public Task EstablishedAsync(BgpSession session)
    {
        Interlocked.Increment(ref Established);
        return Task.CompletedTask;
    }

    public Task ReceivedAsync(BgpSession session, UpdateMessage update)
    {
        Updates.Enqueue(update);
        return Task.CompletedTask;
    }

    public Task RefreshRequestedAsync(BgpSession session, BgpFamily family) => Task.CompletedTask;

    public Task ClosedAsync(BgpSession session, string reason, bool abrupt)
    {
        Closed.Enqueue(reason);
        return Task.CompletedTask;
    }
}
