using System.Security.Cryptography;
using System.Text;
using CniNet.Model.Net;

namespace CniNet.IpamCore;

/// <summary>Object names Calico gives IPAM objects in Kubernetes, which every backend uses as its keys.</summary>
public static class IpamNames
{
    private const int MaxNameLength = 253;

    public static string Block(Cidr cidr) => cidr.ToResourceName();

    /// <summary>Handle objects are named by the lower-cased handle ID; the spec keeps the original.</summary>
    public static string Handle(string handleId) => handleId.ToLowerInvariant();

    /// <summary>Prefix shared by the names of every affinity of <paramref name="host"/> (a range scan finds them).</summary>
    public static string AffinityPrefix(string host) => host + "-";

    /// <summary>
    /// <c>&lt;host&gt;-&lt;cidr name&gt;</c>; a name that would reach 253 characters keeps a truncated host and gains
    /// 11 hex characters of SHA-256 over host and CIDR name, so it stays unique and valid.
    /// </summary>
    public static string Affinity(string host, Cidr cidr)
    {
        var cidrName = cidr.ToResourceName();
        var name = $"{host}-{cidrName}";
        if (name.Length < MaxNameLength) return name;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(host + cidrName)))[..11];
        var keep = MaxNameLength - 1 - cidrName.Length - 1 - hash.Length - 1;
        return $"{host[..keep]}-{hash}-{cidrName}";
    }

    public static string HostAffinity(string host) => "host:" + host;
}
