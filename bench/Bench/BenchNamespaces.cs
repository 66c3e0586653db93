using System.Diagnostics;
using System.Security.Cryptography;
using CniNet.Linux;

namespace CniNet.Bench;

/// <summary>The node (with an uplink, so proxy ARP answers) and pod namespaces of one run, deleted afterwards.</summary>
internal sealed class BenchNamespaces : IDisposable
{
    private readonly string _prefix = $"cninet-bench-{RandomNumberGenerator.GetHexString(6, lowercase: true)}";
    private readonly List<string> _names = [];
    private readonly List<NetworkNamespace> _opened = [];

    /// <summary>The node as the demo and the tests make it (scripts/node-netns.sh; run.sh runs from the repository root).</summary>
    public NetworkNamespace Node()
    {
        var name = Add("node");
        Run("scripts/node-netns.sh", [name, "192.168.50.1"]);
        return Open(name);
    }

    public string Pod() => $"/run/netns/{Add($"pod{_names.Count}")}";

    private string Add(string role)
    {
        var name = $"{_prefix}-{role}";
        Ip(["netns", "add", name]);
        _names.Add(name);
        Ip(["-n", name, "link", "set", "lo", "up"]);
        return name;
    }

    private NetworkNamespace Open(string name)
    {
        var ns = NetworkNamespace.Open($"/run/netns/{name}");
        _opened.Add(ns);
        return ns;
    }

    private static void Ip(string[] args) => Run("ip", args);

    private static void Run(string file, string[] args)
    {
        using var process = Process.Start(file, args);
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}");
    }

    public void Dispose()
    {
        foreach (var ns in _opened) ns.Dispose();
        foreach (var name in _names) Ip(["netns", "delete", name]);
    }
}
