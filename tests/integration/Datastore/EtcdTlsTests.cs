using CniNet.Datastore;
using Xunit;

namespace CniNet.Tests.Integration.Datastore;

/// <summary>An etcd that serves https and demands client certificates (<c>--client-cert-auth</c>), with its own CA.</summary>
public sealed class EtcdTlsServer : IDisposable
{
    public EtcdTlsServer()
    {
        Pki = new TestPki();
        try
        {
            Server = new EtcdServer(Pki);
        }
        catch
        {
            Pki.Dispose();
            throw;
        }
    }

    public TestPki Pki { get; }

    public EtcdServer Server { get; }

    /// <summary>The store as calicoctl or the plugin would open it from <c>ETCD_*</c> settings, under a key root of its own.</summary>
    public DatastoreConfig Config(string? ca, string? cert, string? key) =>
        new(DatastoreConfig.Etcd, "", Server.Endpoint.ToString()) { EtcdCaCertFile = ca, EtcdCertFile = cert, EtcdKeyFile = key };

    public void Dispose()
    {
        Server.Dispose();
        Pki.Dispose();
    }
}

/// <summary>The whole conformance suite over https with a client certificate, opened through the ETCD_* configuration.</summary>
public sealed class EtcdTlsConformanceTests(EtcdTlsServer tls) : DatastoreConformance, IClassFixture<EtcdTlsServer>
{
    private readonly string _root = $"/cninet-test-{Guid.NewGuid():N}";

    private IDatastore Open() =>
        CniNet.Datastore.Etcd.EtcdDatastore.Open(tls.Server.Endpoint.ToString(),
            CniNet.Datastore.Http.Http1Tls.FromPemFiles(tls.Pki.CaFile, tls.Pki.ClientCertFile, tls.Pki.ClientKeyFile), _root);

    protected override Task<IDatastore> OpenAsync() => Task.FromResult(Open());

    protected override Task<IDatastore> OpenPeerAsync() => Task.FromResult(Open());
}

/// <summary>What TLS must refuse: no client certificate, one from another CA, a server the given CA did not sign.</summary>
public sealed class EtcdTlsTests(EtcdTlsServer tls) : IClassFixture<EtcdTlsServer>
{
    private static readonly ResourceKey Key = ResourceKey.Cluster("IPPool", "tls-probe");

    [Fact]
    public async Task The_right_ca_and_client_certificate_read_and_write_through_the_etcd_settings()
    {
        var pki = tls.Pki;
        await using var store = tls.Config(pki.CaFile, pki.ClientCertFile, pki.ClientKeyFile).Open();
        var created = await store.CreateAsync(ResourceKey.Cluster("IPPool", $"tls-{Guid.NewGuid():N}"), "{}"u8.ToArray());
        Assert.Equal("{}", System.Text.Encoding.UTF8.GetString((await store.GetAsync(created.Key))!.Value));
    }

    [Fact]
    public async Task Without_a_client_certificate_etcd_refuses_and_the_error_says_tls()
    {
        await using var store = tls.Config(tls.Pki.CaFile, null, null).Open();
        var e = await Assert.ThrowsAsync<DatastoreException>(() => store.GetAsync(Key));
        Assert.Equal(DatastoreErrorCode.Unavailable, e.Code);
        Assert.Contains(tls.Server.Endpoint.Authority, e.Message);
    }

    [Fact]
    public async Task A_client_certificate_from_another_ca_is_refused()
    {
        var pki = tls.Pki;
        await using var store = tls.Config(pki.CaFile, pki.RogueClientCertFile, pki.RogueClientKeyFile).Open();
        var e = await Assert.ThrowsAsync<DatastoreException>(() => store.GetAsync(Key));
        Assert.Equal(DatastoreErrorCode.Unavailable, e.Code);
    }

    [Fact]
    public async Task A_server_that_the_given_ca_did_not_sign_is_not_trusted()
    {
        var pki = tls.Pki;
        await using var store = tls.Config(pki.RogueCaFile, pki.ClientCertFile, pki.ClientKeyFile).Open();
        var e = await Assert.ThrowsAsync<DatastoreException>(() => store.GetAsync(Key));
        Assert.Equal(DatastoreErrorCode.Unavailable, e.Code);
        Assert.Contains("TLS", e.Message);
    }

    [Fact]
    public void A_missing_key_file_is_a_clear_configuration_error()
    {
        var e = Assert.Throws<DatastoreException>(() => tls.Config(tls.Pki.CaFile, tls.Pki.ClientCertFile, null).Open());
        Assert.Contains("ETCD_KEY_FILE", e.Message);
    }
}
