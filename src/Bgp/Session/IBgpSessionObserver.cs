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

    /// <summary>
    /// The session left Established. <paramref name="abrupt"/>: it ended without a NOTIFICATION either way (the TCP
    /// connection broke), so a peer with graceful restart may be restarting and its routes may be kept (RFC 4724 §4.2).
    /// </summary>
    Task ClosedAsync(BgpSession session, string reason, bool abrupt);
}
