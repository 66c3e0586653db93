using CniNet.Felix.Calc;
using CniNet.Felix.Dataplane;

namespace CniNet.Felix.Agent;

/// <summary>
/// One batch for the dataplane: the cluster state, this node's workload interfaces, and the cluster-wide counts Felix
/// reports (<c>felix_cluster_num_workload_endpoints</c>, <c>felix_cluster_num_policies</c>).
/// </summary>
public sealed record CalculatedState(
    ClusterState State, IReadOnlyList<WorkloadInterface> Interfaces, int ClusterWorkloadEndpoints, int ClusterPolicies);
