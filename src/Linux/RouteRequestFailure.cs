namespace CniNet.Linux;

/// <summary>The request at <paramref name="Index"/> of a <see cref="Rtnetlink.WriteRoutes"/> batch was refused, and why.</summary>
public sealed record RouteRequestFailure(int Index, RouteRequest Request, LinuxException Error);
