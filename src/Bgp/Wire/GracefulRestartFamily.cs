namespace CniNet.Bgp.Wire;

/// <summary>One address family of the graceful restart capability; <paramref name="ForwardingPreserved"/> is the F bit.</summary>
public readonly record struct GracefulRestartFamily(BgpFamily Family, bool ForwardingPreserved);
