using System.Diagnostics;
using CniNet.Linux;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>
/// A real BIRD 2 (Debian <c>bird2</c>) in a test namespace, in the foreground with its own config, control socket and
/// folder; killed and its folder removed on dispose.
/// </summary>
public sealed class BirdProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly System.Text.StringBuilder _log = new();
    private bool _disposed;

    private BirdProcess(Process process, string directory)
    {
        _process = process;
        _directory = directory;
    }

    public string Socket => Path.Combine(_directory, "bird.ctl");

    /// <summary>What BIRD wrote to stderr so far, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    /// <summary>
    /// The configuration of a BIRD at 10.99.0.2 peering (iBGP, AS 64512) with our node at 10.99.0.1: it takes every route
    /// and sends none; with <paramref name="password"/>, over TCP MD5.
    /// </summary>
    public static string Listener(string? password = null) => $$"""
        router id 10.99.0.2;
        protocol device { }
        protocol bgp node {
          local 10.99.0.2 as 64512; neighbor 10.99.0.1 as 64512; connect retry time 1;{{(password is null ? "" : $" password \"{password}\";")}}
          ipv4 { import all; export none; };
        }
        """;

    /// <summary>
    /// Starts BIRD in <paramref name="ns"/> with <paramref name="config"/> and waits until its control socket answers;
    /// <paramref name="recovering"/> starts it as a graceful restart (<c>-R</c>).
    /// </summary>
    public static async Task<BirdProcess> StartAsync(NetworkNamespace ns, string config, bool recovering = false)
    {
        var directory = Directory.CreateTempSubdirectory("cninet-bird-").FullName;
        var path = Path.Combine(directory, "bird.conf");
        await File.WriteAllTextAsync(path, config);
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", Path.GetFileName(ns.Path), "bird", "-f", "-c", path, "-s", Path.Combine(directory, "bird.ctl"), "-P", Path.Combine(directory, "bird.pid") })
            info.ArgumentList.Add(a);
        if (recovering) info.ArgumentList.Add("-R");
        var process = Process.Start(info)!;
        var bird = new BirdProcess(process, directory);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (bird._log) bird._log.AppendLine(e.Data);
        };
        process.OutputDataReceived += (_, e) =>
        {
            lock (bird._log) bird._log.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            await Eventually.HoldsAsync(() => process.HasExited
                ? throw new InvalidOperationException($"BIRD exited with {process.ExitCode}: {bird.Log}")
                : bird.TryBirdc(out _, "show", "status"), "BIRD answers on its control socket", () => bird.Log);
        }
        catch
        {
            bird.Dispose();
            throw;
        }
        return bird;
    }

    /// <summary>
    /// Runs <c>birdc -s SOCKET ARGS</c> and returns its output, answers like "Network not found" included; throws only
    /// when BIRD did not answer.
    /// </summary>
    public string Birdc(params string[] args) =>
        TryBirdc(out var output, args) ? output : throw new InvalidOperationException($"birdc {string.Join(' ', args)} failed: {output}\n{Log}");

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }

    private bool TryBirdc(out string output, params string[] args)
    {
        var info = new ProcessStartInfo("birdc") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-s");
        info.ArgumentList.Add(Socket);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(10_000))
        {
            process.Kill();
            output = "birdc did not finish";
            return false;
        }
        output += error.Result;
        return output.Contains(" ready.", StringComparison.Ordinal);
    }
}
