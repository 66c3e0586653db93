using System.Net;
using CniNet.Bgp.Session;

namespace CniNet.Bgp.Speaker;

/// <summary>One row of <c>calicoctl node status</c>: peer address, type, state, since when, and info.</summary>
/// <param name="Type"><c>node-to-node mesh</c>, <c>global</c> or <c>node specific</c>, as calicoctl prints it.</param>
/// <param name="Info"><c>Established</c>, or why the session is not.</param>
public sealed record BgpPeerStatus(IPAddress PeerAddress, string Type, BgpSessionState State, DateTimeOffset Since, string Info)
{
    public static BgpPeerStatus Of(BgpSession session) => new(
        session.Peer.Address,
        session.Peer.Name.Split('_')[0] switch
        {
            "Mesh" => "node-to-node mesh",
            "Global" => "global",
            _ => "node specific",
        },
        session.State,
        session.Since,
        session.State == BgpSessionState.Established ? "Established" : session.LastError ?? "");
}
