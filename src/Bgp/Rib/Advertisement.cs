using System.Net;
using CniNet.Bgp.Wire;

namespace CniNet.Bgp.Rib;

/// <summary>A route as sent to one peer: its attributes and next hop.</summary>
public sealed record Advertisement(PathAttributes Attributes, IPAddress NextHop);
