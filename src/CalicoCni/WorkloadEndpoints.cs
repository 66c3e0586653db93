using System.Net;
using System.Net.NetworkInformation;
using CniNet.Datastore;
using CniNet.Model.Kubernetes;
using CniNet.Model.Policy;
using CniNet.Model.Resources;

namespace CniNet.CalicoCni;

/// <summary>The WorkloadEndpoint the plugin writes for a pod, shaped as Calico's converter shapes it.</summary>
public static class WorkloadEndpoints
{
    public static ResourceKey KeyOf(CalicoInvocation inv) => ResourceCodec.KeyOf(PolicyKinds.WorkloadEndpoint, inv.EndpointName, inv.Namespace);

    public static WorkloadEndpoint Build(CalicoInvocation inv, Pod? pod, IEnumerable<IPAddress> addresses, string hostVeth, PhysicalAddress mac)
    {
        var sa = pod?.Spec.ServiceAccountName;
        var labels = new Dictionary<string, string>(pod?.Metadata.Labels ?? new Dictionary<string, string>())
        {
            ["projectcalico.org/namespace"] = inv.Namespace,
            ["projectcalico.org/orchestrator"] = inv.Orchestrator,
        };
        if (!string.IsNullOrEmpty(sa)) labels["projectcalico.org/serviceaccount"] = sa;
        List<string> profiles = inv.Conf.K8sPolicy && inv.IsKubernetes
            ? string.IsNullOrEmpty(sa) ? [$"kns.{inv.Namespace}"] : [$"kns.{inv.Namespace}", $"ksa.{inv.Namespace}.{sa}"]
            : [inv.Conf.Name];
        return new WorkloadEndpoint
        {
            Metadata = new ObjectMeta { Name = inv.EndpointName, Namespace = inv.Namespace, Labels = labels },
            Spec = new WorkloadEndpointSpec
            {
                Orchestrator = inv.Orchestrator,
                Workload = inv.IsKubernetes ? "" : inv.Request.ContainerId,
                Node = inv.Node,
                ContainerID = inv.Request.ContainerId,
                Pod = inv.IsKubernetes ? inv.Pod : null,
                Endpoint = inv.Request.IfName,
                ServiceAccountName = string.IsNullOrEmpty(sa) ? null : sa,
                IPNetworks = addresses.Select(a => Cni.IPPrefix.Host(a).ToString()).ToList(),
                Profiles = profiles,
                InterfaceName = hostVeth,
                Mac = string.Join(':', mac.GetAddressBytes().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))),
            },
        };
    }

    /// <summary>Create, or overwrite the endpoint of the same name read in the first round trip (a re-ADD of the pod).</summary>
    public static WriteOp Write(WorkloadEndpoint endpoint, WorkloadEndpoint? existing)
    {
        if (existing is null) return ResourceCodec.Create(PolicyKinds.WorkloadEndpoint, endpoint);
        endpoint.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        endpoint.Metadata.Uid = existing.Metadata.Uid;
        return ResourceCodec.Update(PolicyKinds.WorkloadEndpoint, endpoint);
    }
}
