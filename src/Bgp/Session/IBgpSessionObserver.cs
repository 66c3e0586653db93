using CniNet.Bgp.Wire;

namespace CniNet.Bgp.Session;

/// <summary>
/// What a session reports to its speaker, one call at a time from the session's own task; the session reads the
/// next message only when the call's task completes, so a slow speaker slows the peer through TCP, not memory.
/// </summary>
public interface IBgpSessionObserver
{
    Task EstablishedAsync(BgpSession session);

    Task ReceivedAsync(BgpSession session, UpdateMessage update);

    /// <summary>The peer asked for our routes of <paramref name="family"/> again (RFC 2918).</summary>
    Task RefreshRequestedAsync(BgpSession session, BgpFamily family);

    /// <summary>The session left Established; the peer's routes are gone.</summary>
    Task ClosedAsync(BgpSession session, string reason);
}
