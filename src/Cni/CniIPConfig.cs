using System.Net;

namespace CniNet.Cni;

/// <summary>An entry of a result's <c>ips</c>; <see cref="Interface"/> indexes the result's interfaces.</summary>
public sealed record CniIPConfig(IPPrefix Address, IPAddress? Gateway = null, int? Interface = null);
