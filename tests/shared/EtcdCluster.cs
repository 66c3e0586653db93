namespace CniNet.Tests;

/// <summary>
/// A private etcd cluster of several members on loopback (3 by default), each with its own name, ports and data
/// directory under one temporary folder, killed and removed on Dispose. Members can be killed (SIGKILL) and started
/// again on their data while the others keep a quorum.
/// </summary>
public sealed class EtcdCluster : IDisposable
{
    private readonly string _directory;

    public EtcdCluster(int size = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _directory = EtcdMember.NewDataRoot();
        var ports = Enumerable.Range(0, size).Select(_ => (Client: EtcdMember.FreePort(), Peer: EtcdMember.FreePort())).ToList();
        var initialCluster = string.Join(',', ports.Select((p, i) => $"member{i}=http://127.0.0.1:{p.Peer}"));
        Members = ports.Select((p, i) => new EtcdMember($"member{i}", Path.Combine(_directory, $"member{i}"), p.Client, p.Peer, initialCluster)).ToList();
        try
        {
            // All first, then the health checks: no member has a leader before a quorum runs.
            foreach (var member in Members) member.Launch();
            foreach (var member in Members) member.WaitHealthy();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IReadOnlyList<EtcdMember> Members { get; }

    /// <summary>Every member's client URL, as <c>ETCD_ENDPOINTS</c> lists them.</summary>
    public IReadOnlyList<Uri> Endpoints => Members.Select(m => m.Endpoint).ToList();

    public void Dispose()
    {
        try
        {
            foreach (var member in Members) member.Dispose();
        }
        finally
        {
            if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
        }
    }
}
