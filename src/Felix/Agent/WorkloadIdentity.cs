using System.Collections.Immutable;
using CniNet.Felix.Calc;
using CniNet.Felix.Policy;
using CniNet.Model.Net;
using CniNet.Model.Policy;

namespace CniNet.Felix.Agent;

/// <summary>
/// A pod's identity as Felix derives it from the WorkloadEndpoint the CNI plugin writes: the pod's own labels (the
/// <c>projectcalico.org/*</c> labels the plugin adds are derived again from the namespace and service account, as
/// Felix does), the namespace, the first address of <c>ipNetworks</c>, the service account and the named ports.
/// </summary>
public static class WorkloadIdentity
{
    // Kubernetes gives every pod a service account; the plugin leaves it out only when it could not read the pod.
    private const string DefaultServiceAccount = "default";

    /// <summary>The workload, or null when the endpoint has no usable address (nothing to police or to select).</summary>
    public static Workload? Of(WorkloadEndpoint endpoint)
    {
        var spec = endpoint.Spec;
        var address = spec.IPNetworks?.Select(net => Cidr.TryParse(net, out var cidr, out _) ? cidr : (Cidr?)null).FirstOrDefault(c => c is not null);
        if (address is not { } cidr) return null;
        var ns = endpoint.Metadata.Namespace ?? throw new ArgumentException($"WorkloadEndpoint {endpoint.Metadata.Name} has no namespace");
        var labels = (endpoint.Metadata.Labels ?? [])
            .Where(l => l.Key is not (CalicoLabels.Namespace or CalicoLabels.Orchestrator or CalicoLabels.ServiceAccount));
        var ports = (spec.Ports ?? [])
            .Where(p => p.Name.Length > 0 && p.Port > 0)
            .Select(p => new NamedPort(p.Name, p.Port, p.Protocol));
        var pod = new PodEndpoint(
            ns,
            spec.Pod is { Length: > 0 } name ? name : spec.Workload is { Length: > 0 } workload ? workload : endpoint.Metadata.Name,
            ImmutableDictionary.CreateRange(StringComparer.Ordinal, labels),
            Cidr.ToAddress(cidr.Address, cidr.IsV6),
            spec.ServiceAccountName is { Length: > 0 } sa ? sa : DefaultServiceAccount,
            [.. ports]);
        return new Workload(pod, spec.Node, spec.InterfaceName);
    }
}
