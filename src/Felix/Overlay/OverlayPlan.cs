using System.Net;

namespace CniNet.Felix.Overlay;

/// <summary>
/// The VXLAN overlay one node wants: its own VTEP (null when it has none yet, or no pool uses VXLAN: then there is
/// no device at all), the remote VTEPs (an ARP and an FDB entry each), the routes to remote blocks, and the underlay
/// addresses VXLAN is accepted from.
/// </summary>
public sealed record OverlayPlan(
    Vtep? Local, IReadOnlyList<Vtep> Remotes, IReadOnlyList<OverlayRoute> Routes, IReadOnlyList<IPAddress> KnownNodeAddresses)
{
    public static readonly OverlayPlan Empty = new(null, [], [], []);
}
