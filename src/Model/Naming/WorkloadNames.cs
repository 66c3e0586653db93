using System.Text;

namespace CniNet.Model.Naming;

/// <summary>
/// Calico's names for a workload: the WorkloadEndpoint name (node, orchestrator, workload and endpoint, each with '-'
/// doubled, joined by '-') and the host-side veth (a prefix and the first 11 hex digits of sha1(<c>ns.pod</c>)). The
/// CNI plugin makes them; the Kubernetes datastore derives them back from a Pod as Calico's converter does.
/// </summary>
public static class WorkloadNames
{
    public const string DefaultInterfacePrefix = "cali";

    public static string Endpoint(string node, string orchestrator, string workload, string endpoint) =>
        string.Join('-', new[] { node, orchestrator, workload, endpoint }.Select(p => p.Replace("-", "--")));

    /// <summary>The four parts of an endpoint name, or null when the name is not one (a lone '-' separates parts).</summary>
    public static (string Node, string Orchestrator, string Workload, string Endpoint)? ParseEndpoint(string name)
    {
        var parts = new List<string>();
        var part = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] != '-') part.Append(name[i]);
            else if (i + 1 < name.Length && name[i + 1] == '-')
            {
                part.Append('-');
                i++;
            }
            else
            {
                parts.Add(part.ToString());
                part.Clear();
            }
        }
        parts.Add(part.ToString());
        return parts.Count == 4 && parts.All(p => p.Length > 0) ? (parts[0], parts[1], parts[2], parts[3]) : null;
    }

    public static string PodVeth(string prefix, string ns, string pod) =>
        prefix + Convert.ToHexStringLower(Sha1.Hash(Encoding.UTF8.GetBytes($"{ns}.{pod}")))[..11];
}
