namespace CniNet.Cni;

/// <summary>Spec versions this plugin speaks, and the rules that depend on the version.</summary>
public static class CniVersions
{
    /// <summary>0.1.0/0.2.0 are not offered: their <c>ip4</c>/<c>ip6</c> result format is not emitted.</summary>
    public static readonly IReadOnlyList<string> Supported = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

    public const string Latest = "1.1.0";

    public static bool IsSupported(string version) => Supported.Contains(version);

    /// <summary>CHECK exists from 0.4.0 on.</summary>
    public static bool HasCheck(string version) => Compare(version, "0.4.0") >= 0;

    /// <summary>GC and STATUS exist from 1.1.0 on.</summary>
    public static bool HasGcAndStatus(string version) => Compare(version, "1.1.0") >= 0;

    /// <summary>Results of 0.3.x and 0.4.0 carry <c>ips[].version</c>; 1.0.0 removed it.</summary>
    public static bool ResultHasIpVersion(string version) => Compare(version, "1.0.0") < 0;

    public static int Compare(string a, string b) =>
        System.Version.TryParse(a, out var va) && System.Version.TryParse(b, out var vb) ? va.CompareTo(vb) : string.CompareOrdinal(a, b);
}
