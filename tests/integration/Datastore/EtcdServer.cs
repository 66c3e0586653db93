using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CniNet.Tests.Integration.Datastore;

/// <summary>
/// A private etcd (Debian's <c>/usr/bin/etcd</c>) on free loopback ports with a temporary data directory, killed and
/// removed on Dispose. Independent of any system etcd on 2379.
/// </summary>
public sealed class EtcdServer : IDisposable
{
    private const string Binary = "/usr/bin/etcd";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string _directory;
    private readonly int _peerPort;
    private readonly Queue<string> _log = new();
    private Process? _process;

    public EtcdServer()
    {
        _directory = Directory.CreateTempSubdirectory("cninet-etcd-").FullName;
        ClientPort = FreePort();
        _peerPort = FreePort();
        try
        {
            Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int ClientPort { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{ClientPort}");

    /// <summary>Kills etcd and starts it again on the same ports and data (a restart the clients must ride out).</summary>
    public void Restart()
    {
        Kill();
        Start();
    }

    /// <summary>A loopback port nothing listens on (taken from the kernel, then released).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Start()
    {
        var client = $"http://127.0.0.1:{ClientPort}";
        var peer = $"http://127.0.0.1:{_peerPort}";
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--name", "cninet-test", "--data-dir", Path.Combine(_directory, "data"),
                     "--listen-client-urls", client, "--advertise-client-urls", client,
                     "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                     "--initial-cluster", $"cninet-test={peer}",
                 })
            info.ArgumentList.Add(arg);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{Binary} did not start");
        _process = process;
        // etcd logs to stderr; the pipe must be drained or etcd blocks. The tail explains a failed start.
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        WaitHealthy(process);
    }

    private void WaitHealthy(Process process)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"etcd exited with {process.ExitCode}:\n{Log()}");
            try
            {
                var health = http.GetStringAsync(new Uri(Endpoint, "/health")).GetAwaiter().GetResult();
                if (health.Contains("\"true\"", StringComparison.Ordinal)) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            Thread.Sleep(100);
        }
        throw new TimeoutException($"etcd on {Endpoint} not healthy within {StartTimeout.TotalSeconds} s:\n{Log()}");
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            _log.Enqueue(line);
            if (_log.Count > 40) _log.Dequeue();
        }
    }

    private string Log()
    {
        lock (_log) return string.Join('\n', _log);
    }

    private void Kill()
    {
        if (_process is not { } process) return;
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        finally
        {
            process.Dispose();
            _process = null;
        }
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        finally
        {
            if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
        }
    }
}
