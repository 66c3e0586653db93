using System.Text.RegularExpressions;
using CniNet.Model.Bgp;
using CniNet.Model.Ipam;
using CniNet.Model.Kubernetes;
using CniNet.Model.Net;
using CniNet.Model.Network;
using CniNet.Model.Policy;
using CniNet.Model.Resources;
using CniNet.Model.Selectors;

namespace CniNet.Model.Validation;

/// <summary>
/// Calico's per-resource validation (the v3 CRD rules and libcalico-go's validator) that needs no other object.
/// Rules across objects (pool overlap, immutable fields) are checked where the store is: <see cref="IPPoolRules"/>.
/// </summary>
public static partial class ResourceValidator
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$")]
    private static partial Regex NamePattern();

    /// <summary>A Secret's keys, as the API server accepts them (<c>IsConfigMapKey</c>).</summary>
    [GeneratedRegex("^[-._a-zA-Z0-9]{1,253}$")]
    private static partial Regex SecretKeyPattern();

    /// <summary>Every problem with <paramref name="resource"/>, or an empty list.</summary>
    public static IReadOnlyList<string> Validate(Resource resource)
    {
        var problems = new List<string>();
        var name = resource.Metadata.Name;
        if (string.IsNullOrEmpty(name)) problems.Add("metadata.name is required");
        else if (name.Length > 253 || !NamePattern().IsMatch(name))
            problems.Add($"metadata.name \"{name}\" must be lower-case alphanumerics, '-', '.' or '_', starting and ending alphanumeric, at most 253 characters");
        switch (resource)
        {
            case IPPool pool:
                IPPoolRules.Validate(pool.Spec, problems);
                break;
            case IPReservation reservation:
                foreach (var cidr in reservation.Spec.ReservedCIDRs)
                {
                    if (!Cidr.TryParse(cidr, out _, out var error)) problems.Add($"spec.reservedCIDRs: {error}");
                }
                break;
            case IPAMConfiguration config:
                if (name != IPAMConfig.SingletonName) problems.Add("IPAMConfiguration must be named \"default\"");
                problems.AddRange(IpamConfigRules.Validate(config.Spec));
                break;
            case NetworkPolicy policy:
                CheckSelector("spec.selector", policy.Spec.Selector, problems);
                break;
            case GlobalNetworkPolicy policy:
                CheckSelector("spec.selector", policy.Spec.Selector, problems);
                CheckSelector("spec.namespaceSelector", policy.Spec.NamespaceSelector, problems);
                break;
            case BGPPeer peer:
                CheckSelector("spec.nodeSelector", peer.Spec.NodeSelector, problems);
                CheckSelector("spec.peerSelector", peer.Spec.PeerSelector, problems);
                break;
            case Secret secret:
                foreach (var key in (secret.Data?.Keys ?? Enumerable.Empty<string>()).Concat(secret.StringData?.Keys ?? Enumerable.Empty<string>()).Where(k => !SecretKeyPattern().IsMatch(k)))
                    problems.Add($"data key \"{key}\" must be 1 to 253 alphanumerics, '-', '_' or '.'");
                break;
        }
        return problems;
    }

    public static void ThrowIfInvalid(Resource resource)
    {
        var problems = Validate(resource);
        if (problems.Count > 0)
            throw new ResourceValidationException($"{resource.Kind} \"{resource.Metadata.Name}\" is invalid: {string.Join("; ", problems)}");
    }

    internal static Selector? CheckSelector(string field, string? text, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (Selector.TryParse(text, out var selector, out var error)) return selector;
        problems.Add($"{field}: {error}");
        return null;
    }
}
