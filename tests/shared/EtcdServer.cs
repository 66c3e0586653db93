namespace CniNet.Tests;

/// <summary>
/// A private single-member etcd on free loopback ports with a temporary data directory, killed and removed on
/// Dispose. Independent of any system etcd on 2379.
/// </summary>
public sealed class EtcdServer : IDisposable
{
    private readonly string _directory;
    private readonly EtcdMember _member;

    public EtcdServer()
        : this(null)
    {
    }

    /// <param name="tls">Serve https with these certificates and require client certificates.</param>
    /// <param name="netns">Run inside this network namespace.</param>
    internal EtcdServer(TestPki? tls, string? netns = null)
    {
        _directory = EtcdMember.NewDataRoot();
        var peerPort = EtcdMember.FreePort();
        _member = new EtcdMember("cninet-test", Path.Combine(_directory, "data"), EtcdMember.FreePort(), peerPort,
            $"cninet-test=http://127.0.0.1:{peerPort}", tls, netns);
        try
        {
            _member.Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int ClientPort => _member.ClientPort;

    public Uri Endpoint => _member.Endpoint;

    /// <summary>Kills etcd and starts it again on the same ports and data (a restart the clients must ride out).</summary>
    public void Restart()
    {
        _member.Kill();
        _member.Start();
    }

    /// <summary>A loopback port nothing listens on (taken from the kernel, then released).</summary>
    public static int FreePort() => EtcdMember.FreePort();

    public void Dispose()
    {
        try
        {
            _member.Dispose();
        }
        finally
        {
            if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
        }
    }
}
