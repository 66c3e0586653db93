namespace CniNet.Bgp.Wire;

/// <summary>The speaker accepts ROUTE-REFRESH (RFC 2918).</summary>
public sealed record RouteRefreshCapability : Capability
{
    public static readonly RouteRefreshCapability Instance = new();

    public override byte Code => RouteRefreshCode;
}
