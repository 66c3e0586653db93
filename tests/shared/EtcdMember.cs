using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CniNet.Tests;

/// <summary>
/// One etcd process (Debian's <c>/usr/bin/etcd</c>) on loopback ports of its own, with a data directory that outlives
/// the process: <see cref="Kill"/> then <see cref="Start"/> is a crash and a restart on the same data.
/// </summary>
public sealed class EtcdMember : IDisposable
{
    private const string Binary = "/usr/bin/etcd";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string _initialCluster;
    private readonly TestPki? _tls;
    private readonly string? _netns;
    private readonly Queue<string> _log = new();
    private Process? _process;

    /// <param name="initialCluster">Every member's <c>name=peer URL</c>, comma-separated (etcd's <c>--initial-cluster</c>).</param>
    /// <param name="tls">Serve clients over https with these certificates and demand a client certificate its CA signed.</param>
    /// <param name="netns">Run inside this network namespace (its loopback), for clients that run there too.</param>
    public EtcdMember(string name, string dataDirectory, int clientPort, int peerPort, string initialCluster, TestPki? tls = null,
        string? netns = null)
    {
        _tls = tls;
        _netns = netns;
        Name = name;
        DataDirectory = dataDirectory;
        ClientPort = clientPort;
        PeerPort = peerPort;
        _initialCluster = initialCluster;
    }

    public string Name { get; }

    public string DataDirectory { get; }

    public int ClientPort { get; }

    public int PeerPort { get; }

    public Uri Endpoint => new($"{(_tls is null ? "http" : "https")}://127.0.0.1:{ClientPort}");

    public string PeerUrl => $"http://127.0.0.1:{PeerPort}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>A loopback port nothing listens on (taken from the kernel, then released).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// A fresh directory for members' data: on tmpfs when the machine has one, so a test's throughput is not the disk's
    /// fsync rate. The caller deletes it.
    /// </summary>
    public static string NewDataRoot() =>
        Directory.Exists("/dev/shm")
            ? Directory.CreateDirectory(Path.Combine("/dev/shm", $"cninet-etcd-{Guid.NewGuid():N}")).FullName
            : Directory.CreateTempSubdirectory("cninet-etcd-").FullName;

    /// <summary>Starts the process without waiting: a new cluster's members only become healthy once a quorum runs.</summary>
    public void Launch()
    {
        if (IsRunning) throw new InvalidOperationException($"etcd {Name} is already running");
        var client = Endpoint.ToString().TrimEnd('/');
        // `ip netns exec` execs etcd in place: the process is etcd itself, so Kill reaches it.
        var info = new ProcessStartInfo(_netns is null ? Binary : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_netns is not null)
            foreach (var arg in new[] { "netns", "exec", _netns, Binary }) info.ArgumentList.Add(arg);
        // On a restart the data directory already holds the membership and etcd ignores the --initial-* flags.
        foreach (var arg in new[]
                 {
                     "--name", Name, "--data-dir", DataDirectory,
                     "--listen-client-urls", client, "--advertise-client-urls", client,
                     "--listen-peer-urls", PeerUrl, "--initial-advertise-peer-urls", PeerUrl,
                     "--initial-cluster", _initialCluster, "--initial-cluster-state", "new",
                     "--initial-cluster-token", $"cninet-{Path.GetFileName(Path.GetDirectoryName(DataDirectory))}",
                 })
            info.ArgumentList.Add(arg);
        if (_tls is not null)
        {
            foreach (var arg in new[]
                     {
                         "--cert-file", _tls.ServerCertFile, "--key-file", _tls.ServerKeyFile,
                         "--client-cert-auth", "--trusted-ca-file", _tls.CaFile,
                     })
                info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{Binary} did not start");
        _process = process;
        // etcd logs to stderr; the pipe must be drained or etcd blocks. The tail explains a failed start.
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    /// <summary>Starts the process and waits until it reports healthy (it serves with a leader).</summary>
    public void Start()
    {
        Launch();
        WaitHealthy();
    }

    public void WaitHealthy()
    {
        var process = _process ?? throw new InvalidOperationException($"etcd {Name} is not running");
        var handler = new SocketsHttpHandler { UseProxy = false };
        if (_tls is not null)
        {
            // The test's own health probe: it presents the client certificate and trusts the server it just started.
            handler.SslOptions.ClientCertificates = [System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(_tls.ClientCertFile, _tls.ClientKeyFile)];
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"etcd {Name} exited with {process.ExitCode}:\n{Log()}");
            try
            {
                var health = _netns is null ? http.GetStringAsync(new Uri(Endpoint, "/health")).GetAwaiter().GetResult() : HealthInNamespace();
                if (health.Contains("\"true\"", StringComparison.Ordinal)) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or no leader yet.
            }
            Thread.Sleep(100);
        }
        throw new TimeoutException($"etcd {Name} on {Endpoint} not healthy within {StartTimeout.TotalSeconds} s:\n{Log()}");
    }

    /// <summary>The health answer asked from inside the namespace, where this process cannot reach.</summary>
    private string HealthInNamespace()
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "netns", "exec", _netns!, "curl", "-s", "--max-time", "2", new Uri(Endpoint, "/health").ToString() })
            info.ArgumentList.Add(arg);
        using var curl = Process.Start(info)!;
        var answer = curl.StandardOutput.ReadToEnd();
        curl.WaitForExit();
        return answer;
    }

    /// <summary>SIGKILL: no goodbye to the peers or the clients, as a crashed machine.</summary>
    public void Kill()
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

    public void Dispose() => Kill();
}
