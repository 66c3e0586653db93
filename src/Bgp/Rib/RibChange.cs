using CniNet.Model.Net;

namespace CniNet.Bgp.Rib;

/// <summary>The best path of a prefix changed from <paramref name="Old"/> to <paramref name="New"/> (null: none).</summary>
public sealed record RibChange(Cidr Prefix, RibPath? Old, RibPath? New);
