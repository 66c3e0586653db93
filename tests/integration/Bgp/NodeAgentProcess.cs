using System.Diagnostics;
using System.Text;
using CniNet.Linux;
using CniNet.Tests.Integration.Linux;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>
/// The published <c>cninet-node</c> running in a node namespace for <paramref name="node"/> on the SQLite store
/// <paramref name="storePath"/>, as calico-node runs (<c>NODENAME</c>, <c>SQLITE_PATH</c>); its output kept for
/// failure messages. Killed on dispose.
/// </summary>
public sealed class NodeAgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public NodeAgentProcess(NetworkNamespace ns, string node, string storePath, params string[] args)
    {
        var info = new ProcessStartInfo("ip",
            ["netns", "exec", TestNamespaces.NameOf(ns), "env", $"SQLITE_PATH={storePath}", $"NODENAME={node}", OutBin.PathOf("cninet-node"), .. args])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>What the agent printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        lock (_output) _output.AppendLine(line);
    }
}
