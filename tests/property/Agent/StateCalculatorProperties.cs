using System.Text;
using System.Text.Json;
using CniNet.Datastore;
using CniNet.Felix.Agent;
using CniNet.Model.Documents;
using CniNet.Model.Resources;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CniNet.Tests.Property.Agent;

/// <summary>
/// The agent's calculation is fed a listing and then watch events, or a listing again after a broken watch; whatever
/// the changes and wherever the listings fall, the state it builds must be the state a listing of the final store
/// builds. The store is simulated (a map of keys to entries with a revision counter), as the datastore seam shapes
/// listings and events.
/// </summary>
public sealed class StateCalculatorProperties
{
    private const string Node = "node-a";
    private static readonly string[] Namespaces = ["x", "y"];
    private static readonly string[] Pods = ["a", "b", "c"];

    [Fact]
    public void Events_after_any_listing_build_the_state_a_listing_of_the_final_store_builds() =>
        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(300),
            Prop.ForAll(
                Gen.Choose(0, 9_999).ArrayOf().Select(ops => ops.Take(40).ToArray()).ToArbitrary(),
                Gen.Choose(0, 40).ArrayOf().Select(cuts => cuts.Take(3).ToHashSet()).ToArbitrary(),
                (ops, listings) =>
                {
                    var store = new SimulatedStore();
                    var watched = new StateCalculator(Node);
                    watched.Apply(store.Listing());
                    for (var i = 0; i < ops.Length; i++)
                    {
                        var change = store.Change(ops[i]);
                        // A broken watch: the change is missed and the agent lists the store again.
                        if (listings.Contains(i)) watched.Apply(store.Listing());
                        else if (change is not null) watched.Apply(new SyncerEvent(change));
                    }
                    var listed = new StateCalculator(Node);
                    listed.Apply(store.Listing());
                    Assert.Equal(Describe(listed.Build()), Describe(watched.Build()));
                }));

    [Fact]
    public void A_pod_waits_for_its_namespace_and_only_this_nodes_endpoints_become_interfaces()
    {
        var store = new SimulatedStore();
        var calculator = new StateCalculator(Node);
        calculator.Apply(store.Listing());
        calculator.Apply(new SyncerEvent(store.Put(Endpoint("x", "a", Node, "app: web", 1))!));
        calculator.Apply(new SyncerEvent(store.Put(Endpoint("x", "b", "node-b", "app: web", 2))!));
        var before = calculator.Build();
        Assert.Empty(before.State.Pods);
        Assert.Empty(before.Interfaces);
        Assert.Equal(2, before.ClusterWorkloadEndpoints);

        calculator.Apply(new SyncerEvent(store.Put(Namespace("x", "team: a"))!));
        var after = calculator.Build();
        Assert.Equal(["x/a", "x/b"], after.State.Pods.Select(p => p.Key));
        Assert.Equal("web", after.State.Pods[0].Labels["app"]);
        Assert.DoesNotContain("projectcalico.org/namespace", after.State.Pods[0].Labels.Keys);
        Assert.Equal("10.0.0.1", after.State.Pods[0].Ip.ToString());
        Assert.Equal(("x/a", "cali0x0a"), (after.Interfaces.Single().PodKey, after.Interfaces.Single().InterfaceName));
        Assert.Equal("a", after.State.Namespaces["x"]["team"]);
        Assert.Equal("x", after.State.Namespaces["x"]["kubernetes.io/metadata.name"]);
    }

    [Fact]
    public void A_service_accounts_labels_reach_the_pods_running_as_it_and_leave_with_it()
    {
        var store = new SimulatedStore();
        var calculator = new StateCalculator(Node);
        calculator.Apply(store.Listing());
        calculator.Apply(new SyncerEvent(store.Put(Namespace("x", "team: a"))!));
        calculator.Apply(new SyncerEvent(store.Put(Parse($$"""
            apiVersion: projectcalico.org/v3
            kind: WorkloadEndpoint
            metadata:
              name: {{Node.Replace("-", "--")}}-k8s-a-eth0
              namespace: x
              labels: {app: web}
            spec:
              orchestrator: k8s
              node: {{Node}}
              pod: a
              endpoint: eth0
              interfaceName: cali0x0a
              ipNetworks: [10.0.0.1/32]
              serviceAccountName: web
            """))!));
        var unknown = calculator.Build().State;
        Assert.Empty(unknown.InheritedBy(unknown.Pods.Single()).ServiceAccount);

        calculator.Apply(new SyncerEvent(store.Put(ServiceAccount("x", "web", "role: frontend"))!));
        var known = calculator.Build().State;
        var pod = known.Pods.Single();
        Assert.Equal("web", pod.ServiceAccount);
        Assert.Equal("frontend", known.InheritedBy(pod).ServiceAccount["role"]);
        Assert.Equal("a", known.InheritedBy(pod).Namespace["team"]);

        calculator.Apply(new SyncerEvent(store.Delete(ResourceKinds.ServiceAccount, "x", "web")!));
        Assert.Empty(calculator.Build().State.ServiceAccounts);
    }

    /// <summary>Everything the state says, in one canonical text: namespaces, pods, policies and sets as stored, interfaces, counts.</summary>
    private static string Describe(CalculatedState calculated)
    {
        var text = new StringBuilder();
        var state = calculated.State;
        foreach (var (name, labels) in state.Namespaces) text.AppendLine($"ns {name} {Labels(labels)}");
        foreach (var ((ns, name), labels) in state.ServiceAccounts.OrderBy(a => a.Key)) text.AppendLine($"sa {ns}/{name} {Labels(labels)}");
        foreach (var pod in state.Pods)
            text.AppendLine($"pod {pod.Key} {Labels(pod.Labels)} {pod.Ip} {pod.ServiceAccount} {string.Join(',', pod.Ports)}");
        foreach (var policy in state.KubernetesPolicies) text.AppendLine(Json(ResourceKinds.KubernetesNetworkPolicy, policy));
        foreach (var policy in state.GlobalNetworkPolicies) text.AppendLine(Json(PolicyKinds.GlobalNetworkPolicy, policy));
        foreach (var set in state.GlobalNetworkSets) text.AppendLine(Json(PolicyKinds.GlobalNetworkSet, set));
        foreach (var iface in calculated.Interfaces) text.AppendLine($"if {iface.PodKey} {iface.InterfaceName}");
        text.AppendLine($"wep {calculated.ClusterWorkloadEndpoints} pol {calculated.ClusterPolicies}");
        return text.ToString();
    }

    private static string Labels(IEnumerable<KeyValuePair<string, string>> labels) =>
        string.Join(',', labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    private static string Json(ResourceKind kind, Resource resource) => JsonSerializer.Serialize(resource, kind.TypeInfo);

    private static Resource Namespace(string name, string labels) =>
        Parse($"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {{{labels}}}}}\n");

    private static Resource ServiceAccount(string ns, string name, string labels) =>
        Parse($"apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {name}, namespace: {ns}, labels: {{{labels}}}}}\n");

    private static Resource Endpoint(string ns, string pod, string node, string labels, int ip) =>
        Parse($$"""
            apiVersion: projectcalico.org/v3
            kind: WorkloadEndpoint
            metadata:
              name: {{node.Replace("-", "--")}}-k8s-{{pod}}-eth0
              namespace: {{ns}}
              labels: {{{labels}}, projectcalico.org/namespace: {{ns}}}
            spec: {orchestrator: k8s, node: {{node}}, pod: {{pod}}, endpoint: eth0, interfaceName: cali0{{ns}}0{{pod}}, ipNetworks: [10.0.0.{{ip}}/32]}
            """);

    private static Resource Parse(string yaml) => ResourceDocuments.Parse(yaml).Single();

    /// <summary>A store as the seam shows it: entries by key, one revision per change, deletions carrying the last value.</summary>
    private sealed class SimulatedStore
    {
        private readonly SortedDictionary<string, KvEntry> _entries = new(StringComparer.Ordinal);
        private long _revision;

        public SyncerSnapshot Listing() => new([.. _entries.Values], _revision);

        /// <summary>One change picked by <paramref name="op"/>: a namespace, service account, endpoint, policy or set written or deleted.</summary>
        public WatchEvent? Change(int op)
        {
            var pick = op / 11;
            var ns = Namespaces[pick % 2];
            var pod = Pods[pick / 2 % Pods.Length];
            var node = pick / 6 % 3 == 0 ? "node-b" : Node;
            var label = pick / 18 % 2 == 0 ? "app: web" : "app: db";
            return (op % 11) switch
            {
                10 when pick % 3 == 0 => Delete(ResourceKinds.ServiceAccount, ns, "web"),
                10 => Put(ServiceAccount(ns, "web", pick / 3 % 2 == 0 ? "role: frontend" : "role: backend")),
                0 => Put(Namespace(ns, pick / 4 % 2 == 0 ? "team: a" : "team: b")),
                1 => Delete(ResourceKinds.Namespace, "", ns),
                2 or 3 => Put(Endpoint(ns, pod, node, label, 1 + pick % 7)),
                4 => Delete(PolicyKinds.WorkloadEndpoint, ns, $"{node.Replace("-", "--")}-k8s-{pod}-eth0"),
                5 => Put(Parse($$"""
                    apiVersion: networking.k8s.io/v1
                    kind: NetworkPolicy
                    metadata: {name: k{{pick % 3}}, namespace: {{ns}}}
                    spec:
                      podSelector:
                        matchLabels: {{{label}}}
                      policyTypes: [Ingress]
                    """)),
                6 => Delete(ResourceKinds.KubernetesNetworkPolicy, ns, $"k{pick % 3}"),
                7 => Put(Parse($$"""
                    apiVersion: projectcalico.org/v3
                    kind: GlobalNetworkPolicy
                    metadata: {name: g{{pick % 3}}}
                    spec: {selector: "app == 'web'", order: {{pick % 5}}, ingress: [{action: Allow}]}
                    """)),
                8 => Delete(PolicyKinds.GlobalNetworkPolicy, "", $"g{pick % 3}"),
                _ => Put(Parse($$"""
                    apiVersion: projectcalico.org/v3
                    kind: GlobalNetworkSet
                    metadata:
                      name: s{{pick % 2}}
                      labels: {{{label}}}
                    spec: {nets: [192.168.{{pick % 9}}.0/24]}
                    """)),
            };
        }

        public WatchEvent? Put(Resource resource)
        {
            var kind = ResourceKinds.ForDocument(resource.ApiVersion, resource.Kind)!;
            var key = ResourceCodec.KeyOf(kind, resource);
            var existed = _entries.TryGetValue(key.ToString(), out var old);
            var entry = new KvEntry(key, ResourceCodec.Encode(kind, resource), ++_revision, old?.Uid ?? Guid.NewGuid().ToString(),
                old?.Created ?? DateTime.UnixEpoch);
            _entries[key.ToString()] = entry;
            return new WatchEvent(existed ? WatchEventType.Modified : WatchEventType.Added, entry, entry.Revision);
        }

        public WatchEvent? Delete(ResourceKind kind, string ns, string name)
        {
            var key = new ResourceKey(kind.StoreKind, ns, name);
            if (!_entries.Remove(key.ToString(), out var old)) return null;
            return new WatchEvent(WatchEventType.Deleted, old, ++_revision);
        }
    }
}
