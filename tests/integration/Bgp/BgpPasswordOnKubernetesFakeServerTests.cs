using System.Text;
using System.Text.Json.Nodes;
using CniNet.Bgp.Speaker;
using CniNet.Datastore;
using Xunit;
using Xunit.Abstractions;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>
/// The speaker on the Kubernetes datastore, against the in-process fake API server (no real one can run here): a
/// BGPPeer's password comes from the Secret at its core API path in the configured namespace, base64-decoded.
/// </summary>
public sealed class BgpPasswordOnKubernetesFakeServerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Token = "fake-server-token";
    private const string Ns = "cninet-bgp";
    private readonly FakeKubeApiServer _server = new(Token);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("cninet-kdd-bgp-");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Delete(recursive: true);
    }

    private static JsonObject SecretObject(string ns, string value) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject { ["name"] = "bgp-secrets", ["namespace"] = ns },
        ["type"] = "Opaque",
        ["data"] = new JsonObject { ["bird"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value)) },
    };

    [Fact]
    public async Task Fake_api_peer_password_is_the_base64_decoded_key_of_the_Secret_at_its_namespaced_path_and_follows_its_changes()
    {
        _server.Seed("/api/v1/nodes", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject { ["name"] = "node-a", ["annotations"] = new JsonObject { ["projectcalico.org/IPv4Address"] = "10.99.0.1/24" } },
        });
        // The same Secret name in another namespace holds another key: only the configured namespace counts.
        _server.Seed("/api/v1/namespaces/kube-system/secrets", SecretObject("kube-system", "wrong-namespace"));
        _server.Seed($"/api/v1/namespaces/{Ns}/secrets", SecretObject(Ns, "s3cr3t+/é"));
        await using var store = new DatastoreConfig(DatastoreConfig.Kubernetes, "") { Kubeconfig = _server.WriteKubeconfig(_dir.FullName, Token) }.Open();
        await TestStore.ApplyAsync(store, BgpYaml.Join(BgpYaml.MeshOff, BgpYaml.Peer("bird", "10.99.0.2", 64512, BgpYaml.Password("bgp-secrets", "bird"))));
        using var lab = new BgpLab();
        var node = lab.AddHost("10.99.0.1/24");

        await using var speaker = await BgpSpeaker.StartAsync("node-a", store, Blocks.Options(node, output) with { SecretNamespace = Ns });

        Assert.Equal("s3cr3t+/é", Assert.Single(speaker.Sessions).Peer.Password);
        Assert.Contains($"GET /api/v1/namespaces/{Ns}/secrets/bgp-secrets", _server.Paths);
        // Changes are watched in that namespace alone: calico-node may read its own namespace's Secrets, not the cluster's.
        await Eventually.HoldsAsync(() => _server.Paths.Contains($"GET /api/v1/namespaces/{Ns}/secrets"), "a watch of the Secret namespace",
            () => string.Join("\n", _server.Paths));
        Assert.DoesNotContain(_server.Paths, p => p.StartsWith("GET /api/v1/secrets", StringComparison.Ordinal));

        await TestStore.ApplyAsync(store, BgpYaml.Secret("bgp-secrets", Ns, $"bird: {Convert.ToBase64String("the-next-secret"u8)}"));
        Assert.Equal(Convert.ToBase64String("the-next-secret"u8), (string?)_server.Get($"/api/v1/namespaces/{Ns}/secrets/bgp-secrets")!["data"]!["bird"]);
        await Eventually.HoldsAsync(() => speaker.Sessions.SingleOrDefault()?.Peer.Password == "the-next-secret", "the session re-keyed from the changed Secret",
            () => string.Join(", ", speaker.Sessions.Select(s => s.Peer.Password)));
    }
}
