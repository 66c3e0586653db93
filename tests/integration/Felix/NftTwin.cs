using CniNet.Felix.Dataplane;
using CniNet.Linux;
using CniNet.Tests.Integration.Linux;
using Xunit;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// Two empty namespaces fed the same nft scripts, one through nft's engine (libnftables) and one through
/// <see cref="NetlinkNft"/>: an executor that runs each script on both and requires the same outcome, so that the
/// two kernels' rulesets can be compared after any sequence. Namespaces deleted on dispose.
/// </summary>
public sealed class NftTwin : INftExecutor, IDisposable
{
    private readonly TestNamespaces _namespaces = new("nfnl");
    private readonly NftablesSession _session;
    private readonly NfTablesSocket _socket;
    private readonly InProcessNft _library;
    private readonly NetlinkNft _netlink;

    public NftTwin()
    {
        try
        {
            Library = _namespaces.Add();
            Netlink = _namespaces.Add();
            _session = NftablesSession.Open(Library);
            _socket = NfTablesSocket.Open(Netlink);
            _library = new InProcessNft(_session);
            _netlink = new NetlinkNft(_socket);
        }
        catch
        {
            _namespaces.Dispose();
            throw;
        }
    }

    public NetworkNamespace Library { get; }

    public NetworkNamespace Netlink { get; }

    /// <summary>Scripts run so far.</summary>
    public int Scripts { get; private set; }

    public NftRun Run(string script)
    {
        Scripts++;
        var library = _library.Run(script);
        var netlink = _netlink.Run(script);
        Assert.True(library.Succeeded == netlink.Succeeded,
            $"libnftables {(library.Succeeded ? "took" : "refused")} and NetlinkNft {(netlink.Succeeded ? "took" : "refused")} the script:\n{library.Error}\n{netlink.Error}\n{script}");
        return netlink;
    }

    /// <summary>
    /// Both kernels hold the same ruleset as nft prints it, and the same bytecode (<c>--debug=netlink</c>, which also
    /// lists every set's elements as the kernel holds them, anonymous ones included).
    /// </summary>
    public void AssertSameRuleset()
    {
        foreach (var arguments in new[] { new[] { "list", "ruleset" }, ["--debug=netlink", "list", "ruleset"] })
        {
            var expected = List(Library, arguments);
            var actual = List(Netlink, arguments);
            if (expected == actual) continue;
            var e = expected.Split('\n');
            var a = actual.Split('\n');
            var first = Enumerable.Range(0, Math.Min(e.Length, a.Length)).FirstOrDefault(i => e[i] != a[i], Math.Min(e.Length, a.Length));
            Assert.Fail($"nft {string.Join(' ', arguments)} differs at line {first + 1} (after {Scripts} scripts):\n" +
                $"libnftables: {Window(e, first)}\nNetlinkNft:  {Window(a, first)}");
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _socket.Dispose();
        _namespaces.Dispose();
    }

    private static string List(NetworkNamespace ns, string[] arguments)
    {
        var (exitCode, stdout, stderr) = TestNamespaces.Exec(ns, ["nft", .. arguments]);
        Assert.True(exitCode == 0, $"nft {string.Join(' ', arguments)}: {stderr}");
        // Anonymous sets are numbered by the kernel in creation order, and a hash set lists its elements in the order
        // of its randomly seeded hash: neither is part of the ruleset.
        var lines = System.Text.RegularExpressions.Regex.Replace(stdout, @"__set\d+", "__set").Split('\n');
        var normalized = new List<string>(lines.Length);
        var elements = new List<string>();
        foreach (var line in lines)
        {
            if (line.StartsWith("\telement ", StringComparison.Ordinal))
            {
                elements.Add(line);
                continue;
            }
            normalized.AddRange(elements.Order(StringComparer.Ordinal));
            elements.Clear();
            normalized.Add(line);
        }
        normalized.AddRange(elements.Order(StringComparer.Ordinal));
        return string.Join('\n', normalized);
    }

    private static string Window(string[] lines, int at) =>
        string.Join("\n             ", lines.Skip(Math.Max(0, at - 3)).Take(8));
}
