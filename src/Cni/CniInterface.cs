namespace CniNet.Cni;

/// <summary>An entry of a result's <c>interfaces</c>: a sandbox path marks an interface inside the container.</summary>
public sealed record CniInterface(string Name, string? Mac = null, string? Sandbox = null, int? Mtu = null);
