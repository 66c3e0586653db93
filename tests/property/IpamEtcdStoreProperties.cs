using CniNet.Datastore;
using CniNet.Datastore.Etcd;
using Xunit;

namespace CniNet.Tests.Property;

/// <summary>
/// <see cref="IpamStoreProperties"/>' random scenarios on a real etcd: one server for the class, each scenario under a
/// key root of its own (a fresh, empty store), each simulated connection its own <see cref="EtcdDatastore"/> client.
/// Fewer scenarios than on SQLite: every step's invariant check lists the whole store over HTTP.
/// </summary>
public sealed class IpamEtcdStoreProperties(EtcdServer etcd) : IClassFixture<EtcdServer>
{
    [Fact]
    public void Random_concurrent_operations_keep_every_ipam_invariant_on_etcd() => IpamStoreProperties.CheckScenarios(15, OnEtcdAsync);

    private async Task OnEtcdAsync(Func<IDatastore, Func<IDatastore>, Task> run)
    {
        var root = $"/cninet-property-{Guid.NewGuid():N}";
        var opened = new List<EtcdDatastore>();
        IDatastore Open()
        {
            var client = new EtcdDatastore([etcd.Endpoint], root);
            opened.Add(client);
            return client;
        }
        try
        {
            await run(Open(), Open);
        }
        finally
        {
            foreach (var client in opened) await client.DisposeAsync();
        }
    }
}
