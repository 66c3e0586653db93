using System.Net;
using System.Text;
using CniNet.Felix.Dataplane;

namespace CniNet.Felix.Overlay;

/// <summary>
/// "VXLAN accepted only from known nodes": Felix's INPUT rule that drops VXLAN whose source is not in
/// <c>all-vxlan-net</c>, here in a table of its own (<c>inet calico-vxlan</c>) beside the policy dataplane's, so
/// neither rewrites the other. A base chain's drop is final whatever other tables accept. Each change rewrites the
/// whole small table in one transaction; an unchanged one writes nothing.
/// </summary>
internal sealed class VxlanSourceFilter(INftExecutor nft)
{
    public const string Table = "calico-vxlan";

    private string? _written;

    public void Apply(IReadOnlyCollection<IPAddress> knownNodes, ushort port)
    {
        var t = $"inet {Table}";
        var script = new StringBuilder(Reset)
            .Append($"add table {t}\n")
            .Append($"add set {t} all-vxlan-net {{ type ipv4_addr; }}\n");
        if (knownNodes.Count > 0)
            script.Append($"add element {t} all-vxlan-net {{ {string.Join(", ", knownNodes.Select(a => a.ToString()).Order(StringComparer.Ordinal))} }}\n");
        script
            .Append($"add chain {t} input {{ type filter hook input priority filter; policy accept; }}\n")
            .Append($"add rule {t} input udp dport {port} ip saddr != @all-vxlan-net counter drop\n");
        Run(script.ToString());
    }

    public void Remove() => Run(Reset);

    /// <summary>
    /// Creating the table first makes the delete succeed whether or not it was there. Flat commands, as the policy
    /// dataplane writes them, so that every executor (nft's text or <see cref="NetlinkNft"/>) takes the script.
    /// </summary>
    private static string Reset => $"add table inet {Table}\ndelete table inet {Table}\n";

    private void Run(string script)
    {
        if (script == _written) return;
        var run = nft.Run(script);
        if (!run.Succeeded) throw new InvalidOperationException($"nft refused the VXLAN filter (exit {run.ExitCode}): {run.Error}");
        _written = script;
    }
}
