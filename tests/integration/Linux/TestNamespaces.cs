using System.Diagnostics;
using System.Security.Cryptography;
using CniNet.Linux;

namespace CniNet.Tests.Integration.Linux;

/// <summary>
/// Network namespaces made for one test with <c>ip netns add</c> (named <c>cninet-&lt;tag&gt;-&lt;8 hex&gt;</c>), and the
/// handles opened on them; all closed and deleted on dispose, whatever the test did. Nothing here touches the
/// namespace the test process runs in.
/// </summary>
/// <param name="defaultTag">Part of every name unless <see cref="Add"/> is given another, so that a leftover namespace says which tests made it.</param>
public sealed class TestNamespaces(string defaultTag = "lx") : IDisposable
{
    private readonly List<string> _names = [];
    private readonly List<IDisposable> _opened = [];

    /// <summary>A fresh namespace (only <c>lo</c>, down), opened; <paramref name="tag"/> says whose it is in its name.</summary>
    public NetworkNamespace Add(string? tag = null)
    {
        var name = $"cninet-{tag ?? defaultTag}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}";
        Ip("netns", "add", name);
        _names.Add(name);
        return Track(NetworkNamespace.Open(PathOf(name)));
    }

    /// <summary>A socket in <paramref name="ns"/>, closed with the rest.</summary>
    public Rtnetlink Netlink(NetworkNamespace ns) => Track(Rtnetlink.OpenIn(ns));

    public static string PathOf(string name) => $"/run/netns/{name}";

    public static string NameOf(NetworkNamespace ns) => Path.GetFileName(ns.Path);

    /// <summary>Runs <c>ip</c> with <paramref name="args"/>; throws with its stderr when it fails.</summary>
    public static string Ip(params string[] args)
    {
        var (exitCode, stdout, stderr) = Run("ip", args);
        return exitCode == 0 ? stdout : throw new InvalidOperationException($"ip {string.Join(' ', args)} exited {exitCode}: {stderr}");
    }

    /// <summary>Runs a command inside <paramref name="ns"/> (<c>ip netns exec</c>).</summary>
    public static (int ExitCode, string Stdout, string Stderr) Exec(NetworkNamespace ns, params string[] command) =>
        Run("ip", ["netns", "exec", NameOf(ns), .. command]);

    public void Dispose()
    {
        var failures = new List<Exception>();
        foreach (var opened in _opened) opened.Dispose();
        foreach (var name in _names)
        {
            try
            {
                Ip("netns", "delete", name);
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }
        if (failures.Count > 0) throw new AggregateException("test network namespaces were not all deleted", failures);
    }

    private T Track<T>(T opened)
        where T : IDisposable
    {
        _opened.Add(opened);
        return opened;
    }

    private static (int ExitCode, string Stdout, string Stderr) Run(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 30 s");
        }
        return (process.ExitCode, stdout, stderr.Result);
    }
}
