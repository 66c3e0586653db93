using System.Collections.Immutable;
using System.Text.Json;
using CniNet.Datastore;
using CniNet.Felix.Calc;
using CniNet.Felix.Dataplane;
using CniNet.Model.Felix;
using CniNet.Model.Kubernetes;
using CniNet.Model.Policy;

namespace CniNet.Felix.Agent;

/// <summary>
/// The calculation's copy of the watched part of the store: the latest decoded object of every key, brought up to
/// date by snapshots and watch events, and <see cref="Build"/>, the <see cref="ClusterState"/> and local interfaces
/// those objects make. Pure: no I/O, so any sequence of updates gives the state a listing of the final store gives.
/// Every pod of the cluster is in the state (policies select remote pods too); only this node's endpoints become
/// interfaces. A pod or Kubernetes NetworkPolicy whose namespace is not (yet) known is held back until it is, as the
/// state requires a known namespace for them. Not thread-safe: one owner.
/// </summary>
public sealed class StateCalculator(string nodeName)
{
    private static readonly Dictionary<string, WatchedKind> Kinds = WatchedKinds.All.ToDictionary(k => k.Kind.StoreKind, StringComparer.Ordinal);

    private readonly Dictionary<string, SortedDictionary<(string Namespace, string Name), object>> _objects = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes in one update (a snapshot replaces everything known) and says which stored objects did not decode: those
    /// count as absent, as if the store did not hold them.
    /// </summary>
    public IReadOnlyList<string> Apply(SyncerUpdate update)
    {
        var problems = new List<string>();
        switch (update)
        {
            case SyncerSnapshot snapshot:
                _objects.Clear();
                foreach (var entry in snapshot.Entries) Set(entry, problems);
                break;
            case SyncerEvent { Event.Type: WatchEventType.Deleted } deleted:
                Objects(deleted.Event.Entry.Key.Kind).Remove((deleted.Event.Entry.Key.Namespace, deleted.Event.Entry.Key.Name));
                break;
            case SyncerEvent changed:
                Set(changed.Event.Entry, problems);
                break;
        }
        return problems;
    }

    public CalculatedState Build()
    {
        var namespaces = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            Values<ImmutableDictionary<string, string>>(WatchedKinds.Namespace).Select(n => KeyValuePair.Create(n.Key.Name, n.Value)));
        var workloads = Values<object>(WatchedKinds.WorkloadEndpoint).ToList();
        var pods = ImmutableList.CreateBuilder<PodEndpoint>();
        var interfaces = new List<WorkloadInterface>();
        var podKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var workload in workloads.Select(w => w.Value).OfType<Workload>())
        {
            // Two endpoints of one pod (several interfaces) police as one pod: the first, in key order.
            if (!namespaces.ContainsKey(workload.Pod.Namespace) || !podKeys.Add(workload.Pod.Key)) continue;
            pods.Add(workload.Pod);
            if (workload.Node == nodeName && workload.InterfaceName is { Length: > 0 } iface)
                interfaces.Add(new WorkloadInterface(workload.Pod.Key, iface));
        }
        var kubernetesPolicies = Values<KubernetesNetworkPolicy>(WatchedKinds.KubernetesNetworkPolicy).ToList();
        var networkPolicies = Values<NetworkPolicy>(WatchedKinds.NetworkPolicy).ToList();
        var globalPolicies = Values<GlobalNetworkPolicy>(WatchedKinds.GlobalNetworkPolicy).ToList();
        var state = ClusterState.Empty with
        {
            Namespaces = namespaces,
            ServiceAccounts = ImmutableDictionary.CreateRange(
                Values<ImmutableDictionary<string, string>>(WatchedKinds.ServiceAccount).Select(a => KeyValuePair.Create(a.Key, a.Value))),
            Pods = pods.ToImmutable(),
            KubernetesPolicies = [.. kubernetesPolicies.Where(p => namespaces.ContainsKey(p.Key.Namespace)).Select(p => p.Value)],
            NetworkPolicies = [.. networkPolicies.Select(p => p.Value)],
            GlobalNetworkPolicies = [.. globalPolicies.Select(p => p.Value)],
            Tiers = [.. Values<Tier>(WatchedKinds.Tier).Select(t => t.Value)],
            NetworkSets = [.. Values<NetworkSet>(WatchedKinds.NetworkSet).Select(s => s.Value)],
            GlobalNetworkSets = [.. Values<GlobalNetworkSet>(WatchedKinds.GlobalNetworkSet).Select(s => s.Value)],
            HostEndpoints = [.. Values<HostEndpoint>(WatchedKinds.HostEndpoint).Select(h => h.Value)],
            Profiles = [.. Values<Profile>(WatchedKinds.Profile).Select(p => p.Value)],
        };
        var felixConfigurations = Values<FelixConfiguration>(WatchedKinds.FelixConfiguration).ToDictionary(c => c.Key.Name, c => c.Value.Spec);
        var defaults = felixConfigurations.GetValueOrDefault(FelixConfiguration.DefaultName);
        var own = felixConfigurations.GetValueOrDefault(FelixConfiguration.NodePrefix + nodeName);
        state = state.WithFelixConfiguration(new FelixConfigurationSpec
        {
            FailsafeInboundHostPorts = own?.FailsafeInboundHostPorts ?? defaults?.FailsafeInboundHostPorts,
            FailsafeOutboundHostPorts = own?.FailsafeOutboundHostPorts ?? defaults?.FailsafeOutboundHostPorts,
        });
        return new CalculatedState(state, interfaces, workloads.Count, kubernetesPolicies.Count + networkPolicies.Count + globalPolicies.Count);
    }

    private void Set(KvEntry entry, List<string> problems)
    {
        if (!Kinds.TryGetValue(entry.Key.Kind, out var kind)) return;
        var objects = Objects(entry.Key.Kind);
        try
        {
            objects[(entry.Key.Namespace, entry.Key.Name)] = kind.Decode(entry);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or ArgumentException)
        {
            objects.Remove((entry.Key.Namespace, entry.Key.Name));
            problems.Add($"{entry.Key} at revision {entry.Revision} does not decode: {e.Message}");
        }
    }

    private SortedDictionary<(string Namespace, string Name), object> Objects(string storeKind)
    {
        if (!_objects.TryGetValue(storeKind, out var objects))
        {
            objects = new SortedDictionary<(string Namespace, string Name), object>(KeyOrder.Instance);
            _objects[storeKind] = objects;
        }
        return objects;
    }

    private IEnumerable<KeyValuePair<(string Namespace, string Name), T>> Values<T>(WatchedKind kind) =>
        _objects.TryGetValue(kind.Kind.StoreKind, out var objects)
            ? objects.Select(o => KeyValuePair.Create(o.Key, (T)o.Value))
            : [];

    private sealed class KeyOrder : IComparer<(string Namespace, string Name)>
    {
        public static readonly KeyOrder Instance = new();

        public int Compare((string Namespace, string Name) x, (string Namespace, string Name) y)
        {
            var byNamespace = string.CompareOrdinal(x.Namespace, y.Namespace);
            return byNamespace != 0 ? byNamespace : string.CompareOrdinal(x.Name, y.Name);
        }
    }
}
