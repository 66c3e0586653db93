namespace CniNet.Felix.Dataplane;

/// <summary>
/// A local workload endpoint as the dataplane sees it: the pod (<c>namespace/name</c>, as in
/// <see cref="Calc.ClusterState"/>) and the host side of its veth, whose traffic the endpoint's chains police.
/// </summary>
public sealed record WorkloadInterface(string PodKey, string InterfaceName);
