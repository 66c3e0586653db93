namespace CniNet.IpamCore;

/// <summary>A planned assignment needed another round trip; the general algorithm takes over.</summary>
internal sealed class PlanAbandoned : Exception;
