using CniNet.Felix.Calc;

namespace CniNet.Felix.Agent;

/// <summary>A WorkloadEndpoint as the calculation keeps it: the pod it stands for, its node and its host-side interface.</summary>
public sealed record Workload(PodEndpoint Pod, string? Node, string? InterfaceName);
