using CniNet.Datastore;
using CniNet.Datastore.Kubernetes;

namespace CniNet.Tests.Integration.Datastore;

/// <summary>
/// The conformance suite on the Kubernetes datastore against the in-process fake API server (no real API server can
/// run here). The Kubernetes API has no batches or transactions: each get, list and write is a request of its own.
/// The token in the kubeconfig is checked on every request.
/// </summary>
public sealed class KubernetesFakeServerConformanceTests : DatastoreConformance
{
    private readonly FakeKubeApiServer _server = new(token: "conformance-token");
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("cninet-kdd-");

    protected override Task<IDatastore> OpenAsync() => Task.FromResult<IDatastore>(KubernetesDatastore.Open(Kubeconfig(), "cali"));

    protected override Task<IDatastore> OpenPeerAsync() => OpenAsync();

    protected override Task CompactAsync(long revision)
    {
        _server.Compact(revision);
        return Task.CompletedTask;
    }

    /// <summary>A commit of several writes first reads each object it touches, then writes them one by one.</summary>
    protected override long RoundTripsFor(int reads, int creates) => reads + 2 * creates;

    private string Kubeconfig() => _server.WriteKubeconfig(_dir.FullName, token: "conformance-token");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _server.DisposeAsync();
        _dir.Delete(recursive: true);
    }
}
