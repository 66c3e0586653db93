using System.Collections.Immutable;
using CniNet.Felix.Calc;
using CniNet.Model.Policy;

namespace CniNet.Felix.Policy;

/// <summary>
/// The labels selectors see on endpoints and network sets, as Calico builds them: the object's own labels, the
/// <c>projectcalico.org/*</c> labels the Kubernetes conversion adds, and the labels inherited from the namespace
/// profile <c>kns.&lt;ns&gt;</c> (<c>pcns.*</c>) and the service-account profile <c>ksa.&lt;ns&gt;.&lt;sa&gt;</c>
/// (<c>pcsa.*</c>).
/// </summary>
public static class CalicoLabels
{
    public const string Namespace = "projectcalico.org/namespace";
    public const string Orchestrator = "projectcalico.org/orchestrator";
    public const string ServiceAccount = "projectcalico.org/serviceaccount";
    public const string Name = "projectcalico.org/name";
    public const string NamespacePrefix = "pcns.";
    public const string ServiceAccountPrefix = "pcsa.";
    public const string OrchestratorKubernetes = "k8s";

    public static IReadOnlyDictionary<string, string> ForPod(PodEndpoint pod, PodInheritance inherited)
    {
        var labels = new Dictionary<string, string>(
            inherited.Namespace.Count + inherited.ServiceAccount.Count + pod.Labels.Count + 5, StringComparer.Ordinal);
        AddNamespaceProfile(labels, pod.Namespace, inherited.Namespace);
        // The ksa.<ns>.<sa> profile: the service account's labels, and its name, which no label of its own overrides.
        foreach (var (key, value) in inherited.ServiceAccount)
        {
            labels[ServiceAccountPrefix + key] = value;
        }
        labels[ServiceAccountPrefix + Name] = pod.ServiceAccount;
        labels[Orchestrator] = OrchestratorKubernetes;
        labels[ServiceAccount] = pod.ServiceAccount;
        // The endpoint's own labels win over anything inherited, as in Felix's label index.
        foreach (var (key, value) in pod.Labels)
        {
            labels[key] = value;
        }
        labels[Namespace] = pod.Namespace;
        return labels;
    }

    /// <summary>
    /// A host endpoint carries its own labels and those its profiles apply (its own win, then earlier profiles); it
    /// is in no namespace, which is what <c>global()</c> selects.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ForHostEndpoint(HostEndpoint endpoint, IReadOnlyList<Profile> profiles)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in Enumerable.Reverse(endpoint.Spec.Profiles ?? []))
        {
            var profile = profiles.FirstOrDefault(p => p.Metadata.Name == name);
            foreach (var (key, value) in profile?.Spec.LabelsToApply ?? []) labels[key] = value;
        }
        foreach (var (key, value) in endpoint.Metadata.Labels ?? []) labels[key] = value;
        return labels;
    }

    /// <summary>A NetworkSet in a namespace also carries that namespace's name and profile labels.</summary>
    public static IReadOnlyDictionary<string, string> ForNetworkSet(
        string ns, IReadOnlyDictionary<string, string>? ownLabels, IReadOnlyDictionary<string, string> namespaceLabels)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        AddNamespaceProfile(labels, ns, namespaceLabels);
        foreach (var (key, value) in ownLabels ?? ImmutableDictionary<string, string>.Empty)
        {
            labels[key] = value;
        }
        labels[Namespace] = ns;
        return labels;
    }

    private static void AddNamespaceProfile(
        Dictionary<string, string> labels, string ns, IReadOnlyDictionary<string, string> namespaceLabels)
    {
        foreach (var (key, value) in namespaceLabels)
        {
            labels[NamespacePrefix + key] = value;
        }
        labels[NamespacePrefix + Name] = ns;
    }
}
