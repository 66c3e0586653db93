namespace CniNet.Linux;

/// <summary>One route change of a batch written with <see cref="Rtnetlink.WriteRoutes"/>.</summary>
public readonly record struct RouteRequest(RouteOperation Operation, RouteSpec Route);
