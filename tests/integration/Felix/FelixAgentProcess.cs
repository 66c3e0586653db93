using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CniNet.Linux;
using CniNet.Tests.Integration.Linux;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// The published <c>cninet-node --felix --no-cni</c> running inside a node namespace, as calico-node runs Felix with
/// hostNetwork: its store from <c>SQLITE_PATH</c>, its node name from <c>NODENAME</c>, health on 127.0.0.1:9099 and
/// metrics on 127.0.0.1:9091 of that namespace. Killed on dispose; its output is kept for failure messages.
/// </summary>
public sealed class FelixAgentProcess : IDisposable
{
    public const int HealthPort = 9099;
    public const int MetricsPort = 9091;

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public FelixAgentProcess(NetworkNamespace node, string storePath, string nodeName)
    {
        Node = node;
        var info = new ProcessStartInfo("ip",
            ["netns", "exec", TestNamespaces.NameOf(node), "env", $"SQLITE_PATH={storePath}", $"NODENAME={nodeName}",
             OutBin.PathOf("cninet-node"), "--felix", "--no-cni"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.Environment.Remove("DATASTORE_TYPE");
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public NetworkNamespace Node { get; }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>One GET on the agent's loopback inside the node namespace: the status code and the body.</summary>
    public async Task<(int Status, string Body)> GetAsync(int port, string path)
    {
        using var socket = Node.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), deadline.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), deadline.Token);
        using var response = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, deadline.Token)) > 0) response.Write(buffer, 0, n);
        var text = Encoding.UTF8.GetString(response.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (int.Parse(text.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), text[(split + 4)..]);
    }

    /// <summary>Whether <c>/readiness</c> answers 200; false while the agent is not listening yet.</summary>
    public async Task<bool> ReadyAsync()
    {
        try
        {
            return (await GetAsync(HealthPort, "/readiness")).Status == 200;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The value of a metric without labels, or null when the agent does not export it.</summary>
    public async Task<double?> MetricAsync(string name)
    {
        var (_, body) = await GetAsync(MetricsPort, "/metrics");
        var line = body.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return line is null ? null : double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }
}
