using System.Net;
using System.Net.NetworkInformation;
using System.Text.Json;
using CniNet.Cni;
using CniNet.Model.Kubernetes;

namespace CniNet.CalicoCni;

/// <summary>
/// Calico's per-pod networking annotations, honoured only with <c>policy.type: k8s</c>. Pools and IP families on the
/// pod override the namespace's, which override the netconf; the address annotations are read from the pod alone.
/// </summary>
public sealed record PodAnnotations(
    IReadOnlyList<string>? V4Pools, IReadOnlyList<string>? V6Pools, IReadOnlyList<string>? IpFamilies,
    IReadOnlyList<IPAddress>? IpAddrs, IReadOnlyList<IPAddress>? IpAddrsNoIpam, PhysicalAddress? HwAddr)
{
    public const string Prefix = "cni.projectcalico.org/";

    public static readonly PodAnnotations None = new(null, null, null, null, null, null);

    public static PodAnnotations From(Pod? pod, Namespace? ns)
    {
        var podA = pod?.Metadata.Annotations;
        var nsA = ns?.Metadata.Annotations;
        string? Pick(string key) => podA?.GetValueOrDefault(Prefix + key) ?? nsA?.GetValueOrDefault(Prefix + key);
        return new PodAnnotations(
            List(Pick("ipv4pools"), "ipv4pools"),
            List(Pick("ipv6pools"), "ipv6pools"),
            List(Pick("ipFamilies"), "ipFamilies"),
            Addresses(podA?.GetValueOrDefault(Prefix + "ipAddrs"), "ipAddrs"),
            Addresses(podA?.GetValueOrDefault(Prefix + "ipAddrsNoIpam"), "ipAddrsNoIpam"),
            Mac(podA?.GetValueOrDefault(Prefix + "hwAddr")));
    }

    /// <summary>The netconf's request with the annotations' pools and families laid over it.</summary>
    public IpamRequest Apply(IpamRequest netconf)
    {
        var request = netconf with { V4Pools = V4Pools ?? netconf.V4Pools, V6Pools = V6Pools ?? netconf.V6Pools };
        if (IpFamilies is null) return request;
        foreach (var family in IpFamilies)
            if (family is not ("IPv4" or "IPv6"))
                throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid value \"{family}\" in annotation {Prefix}ipFamilies (IPv4 or IPv6)");
        return request with { V4 = IpFamilies.Contains("IPv4"), V6 = IpFamilies.Contains("IPv6") };
    }

    private static List<string>? List(string? json, string key)
    {
        if (json is null) return null;
        try
        {
            return JsonSerializer.Deserialize(json, CalicoJsonContext.Default.ListString)
                   ?? throw new CniException(CniErrorCode.InvalidNetworkConfig, $"annotation {Prefix}{key} is null");
        }
        catch (JsonException e)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"failed to parse annotation {Prefix}{key} as a JSON list of strings: {e.Message}");
        }
    }

    private static List<IPAddress>? Addresses(string? json, string key) =>
        List(json, key)?.Select(text => IPAddress.TryParse(text, out var ip)
            ? ip
            : throw new CniException(CniErrorCode.InvalidNetworkConfig, $"annotation {Prefix}{key}: \"{text}\" is not an IP address")).ToList();

    private static PhysicalAddress? Mac(string? text)
    {
        if (text is null) return null;
        if (PhysicalAddress.TryParse(text.Replace(':', '-').ToUpperInvariant(), out var mac) && mac.GetAddressBytes().Length == 6
            && (mac.GetAddressBytes()[0] & 1) == 0) return mac;
        throw new CniException(CniErrorCode.InvalidNetworkConfig, $"annotation {Prefix}hwAddr: \"{text}\" is not a unicast MAC address");
    }
}
