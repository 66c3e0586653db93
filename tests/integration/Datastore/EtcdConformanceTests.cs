using CniNet.Datastore;
using CniNet.Datastore.Etcd;
using Xunit;

namespace CniNet.Tests.Integration.Datastore;

/// <summary>
/// The conformance suite on a real etcd: one server per test class, and each test under its own key root so the
/// fixed kind the suite uses starts empty every time.
/// </summary>
public sealed class EtcdConformanceTests(EtcdServer server) : DatastoreConformance, IClassFixture<EtcdServer>
{
    private readonly string _root = $"/cninet-test-{Guid.NewGuid():N}";

    protected override Task<IDatastore> OpenAsync() => Task.FromResult<IDatastore>(new EtcdDatastore([server.Endpoint], _root));

    protected override Task<IDatastore> OpenPeerAsync() => Task.FromResult<IDatastore>(new EtcdDatastore([server.Endpoint], _root));
}
