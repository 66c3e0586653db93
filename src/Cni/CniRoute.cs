using System.Net;

namespace CniNet.Cni;

/// <summary>An entry of a result's <c>routes</c>: a destination network and an optional gateway.</summary>
public sealed record CniRoute(IPPrefix Destination, IPAddress? Gateway = null);
