using CniNet.Datastore;
using CniNet.Felix.Calc;
using CniNet.Model.Kubernetes;
using CniNet.Model.Policy;
using CniNet.Model.Resources;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// Writes cluster states into a store as a cluster holds them, for an agent to watch: the namespaces, the
/// WorkloadEndpoint Calico's plugin writes for each pod (on <paramref name="nodeName"/>, at the pod's wired host
/// interface), the Kubernetes NetworkPolicies and Calico's tiers, policies and sets. Each state is written as the
/// difference from the last one, in one commit; objects of an earlier case that the new state lacks are deleted.
/// </summary>
public sealed class StoredSteps(IDatastore store, PolicyNode node, string nodeName)
{
    private readonly Dictionary<ResourceKey, KvEntry> _written = [];

    public async Task WriteAsync(ClusterState state)
    {
        var desired = new Dictionary<ResourceKey, (byte[] Value, Dictionary<string, string>? Labels)>();
        void Add(ResourceKind kind, Resource resource) =>
            desired[ResourceCodec.KeyOf(kind, resource)] = (ResourceCodec.Encode(kind, resource), resource.Metadata.Labels);
        foreach (var (name, labels) in state.Namespaces)
            Add(ResourceKinds.Namespace, new Namespace { Metadata = new ObjectMeta { Name = name, Labels = new Dictionary<string, string>(labels) } });
        foreach (var pod in state.Pods) Add(PolicyKinds.WorkloadEndpoint, Endpoint(pod));
        foreach (var policy in state.KubernetesPolicies) Add(ResourceKinds.KubernetesNetworkPolicy, policy);
        foreach (var tier in state.Tiers) Add(PolicyKinds.Tier, tier);
        foreach (var policy in state.NetworkPolicies) Add(PolicyKinds.NetworkPolicy, policy);
        foreach (var policy in state.GlobalNetworkPolicies) Add(PolicyKinds.GlobalNetworkPolicy, policy);
        foreach (var set in state.NetworkSets) Add(PolicyKinds.NetworkSet, set);
        foreach (var set in state.GlobalNetworkSets) Add(PolicyKinds.GlobalNetworkSet, set);

        var ops = new List<WriteOp>();
        foreach (var (key, (value, labels)) in desired)
        {
            if (!_written.TryGetValue(key, out var current)) ops.Add(WriteOp.Create(key, value, labels));
            else if (!current.Value.AsSpan().SequenceEqual(value)) ops.Add(WriteOp.Update(key, value, current.Revision, labels));
        }
        ops.AddRange(_written.Keys.Where(key => !desired.ContainsKey(key)).Select(key => WriteOp.Delete(key)));
        if (ops.Count == 0) return;
        var results = await store.CommitAsync(ops);
        for (var i = 0; i < ops.Count; i++)
        {
            if (results[i] is { } entry) _written[ops[i].Key] = entry;
            else _written.Remove(ops[i].Key);
        }
    }

    private WorkloadEndpoint Endpoint(PodEndpoint pod) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = $"{nodeName.Replace("-", "--")}-k8s-{pod.Name.Replace("-", "--")}-eth0",
            Namespace = pod.Namespace,
            Labels = new Dictionary<string, string>(pod.Labels),
        },
        Spec = new WorkloadEndpointSpec
        {
            Orchestrator = "k8s",
            Node = nodeName,
            Pod = pod.Name,
            Endpoint = "eth0",
            ServiceAccountName = pod.ServiceAccount,
            IPNetworks = [$"{pod.Ip}/32"],
            Profiles = [$"kns.{pod.Namespace}"],
            InterfaceName = node.Pod(pod.Key, pod.Ip).HostInterface,
            Ports = [.. pod.Ports.Select(p => new WorkloadEndpointPort { Name = p.Name, Protocol = p.Protocol, Port = p.Port })],
        },
    };
}
