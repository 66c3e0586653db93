using System.Text;
using System.Text.Unicode;
using CniNet.Linux;
using CniNet.Model.Bgp;
using CniNet.Model.Kubernetes;

namespace CniNet.Bgp.Speaker;

/// <summary>
/// The TCP MD5 keys BGP passwords name. A BGPPeer's <c>password</c> and BGPConfiguration's <c>nodeMeshPassword</c>
/// are <c>secretKeyRef</c>s to a key of a Secret in calico-node's own namespace (<see cref="Namespace"/>); this holds
/// the Secrets read for one resync. A reference that does not resolve (no Secret, no key, an empty or over-long value)
/// gives no key and a reason: the peer then gets no session, since an empty key would quietly mean no MD5 at all.
/// </summary>
public sealed class BgpPasswords(string ns, IReadOnlyDictionary<string, Secret> secrets)
{
    /// <summary>No Secrets: every reference fails to resolve.</summary>
    public static BgpPasswords None { get; } = new("", new Dictionary<string, Secret>());

    public string Namespace => ns;

    /// <summary>The names of the Secrets the cluster's BGP resources refer to, each once, in order.</summary>
    public static IReadOnlyList<string> SecretNames(IEnumerable<BGPConfiguration> configurations, IEnumerable<BGPPeer> peers) =>
        configurations.Select(c => c.Spec.NodeMeshPassword).Concat(peers.Select(p => p.Spec.Password))
            .Select(p => p?.SecretKeyRef?.Name).OfType<string>().Where(n => n.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>The key <paramref name="reference"/> names, or null with <paramref name="problem"/> saying why there is none.</summary>
    public string? KeyOf(SecretKeySelector reference, out string problem)
    {
        problem = "";
        var where = $"Secret {ns}/{reference.Name}";
        if (string.IsNullOrEmpty(reference.Name)) problem = "secretKeyRef has no Secret name";
        else if (!secrets.TryGetValue(reference.Name, out var secret)) problem = $"{where} not found";
        else if (secret.ValueOf(reference.Key) is not { } value) problem = $"{where} has no key \"{reference.Key}\"";
        else if (value.Length == 0) problem = $"{where} key \"{reference.Key}\" is empty";
        else if (value.Length > TcpMd5Signature.MaxKeyLength) problem = $"{where} key \"{reference.Key}\" is {value.Length} bytes; a TCP MD5 key is at most {TcpMd5Signature.MaxKeyLength}";
        else if (!Utf8.IsValid(value)) problem = $"{where} key \"{reference.Key}\" is not UTF-8 text";
        else return Encoding.UTF8.GetString(value);
        return null;
    }
}
