using Xunit;

namespace CniNet.Tests.Integration.Cli;

/// <summary>Bad input to the real CLI: a clear error, exit status 1, and the store exactly as it was.</summary>
public sealed class CtlBadInputTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cninet-cli-").FullName;

    private string Store => Path.Combine(_dir, "store.db");

    private const string GoodPool = """
        apiVersion: projectcalico.org/v3
        kind: IPPool
        metadata: {name: existing}
        spec: {cidr: 10.20.0.0/16}
        """;

    public async Task InitializeAsync()
    {
        var applied = await Cninetctl.RunAsync(Store, GoodPool, "apply", "-f", "-");
        Assert.Equal(0, applied.ExitCode);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<string> SnapshotAsync()
    {
        var pools = await Cninetctl.RunAsync(Store, "", "get", "ippool", "-o", "json");
        var reservations = await Cninetctl.RunAsync(Store, "", "get", "ipreservation", "-o", "json");
        var nodes = await Cninetctl.RunAsync(Store, "", "get", "node", "-o", "json");
        return pools.Stdout + reservations.Stdout + nodes.Stdout;
    }

    public static TheoryData<string, string, string> Cases => new()
    {
        { "malformed YAML", "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: x\nspec: [", "line" },
        { "malformed JSON", "{\"apiVersion\": \"projectcalico.org/v3\", \"kind\": \"IPPool\", \"metadata\": {\"name\": \"x\"", "line" },
        { "unknown kind", "apiVersion: projectcalico.org/v3\nkind: IPPol\nmetadata: {name: x}\n", "'IPPol'" },
        { "wrong field type", "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: x}\nspec: {cidr: 10.1.0.0/16, blockSize: big}\n", "blockSize" },
        { "invalid CIDR", "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: x}\nspec: {cidr: 10.300.0.0/16}\n", "invalid CIDR" },
        { "unmasked CIDR", "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: x}\nspec: {cidr: 10.1.0.1/16}\n", "the network is 10.1.0.0/16" },
        { "overlapping pools", "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: x}\nspec: {cidr: 10.20.128.0/20}\n", "overlaps IPPool \"existing\"" },
        { "pools overlapping each other", "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: x}\nspec: {cidr: 10.1.0.0/16}\n---\napiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: y}\nspec: {cidr: 10.1.4.0/24}\n", "overlaps" },
        { "link-local pool", "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: x}\nspec: {cidr: 169.254.0.0/16}\n", "link-local" },
        { "block size out of range", "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: x}\nspec: {cidr: 10.1.0.0/16, blockSize: 19}\n", "blockSize 19 must be 20-32" },
        { "bad selector", "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: x}\nspec: {cidr: 10.1.0.0/16, nodeSelector: \"zone == \"}\n", "position" },
        { "global() in a pool selector", "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: x}\nspec: {cidr: 10.1.0.0/16, nodeSelector: \"global()\"}\n", "global()" },
        { "bad reservation", "apiVersion: projectcalico.org/v3\nkind: IPReservation\nmetadata: {name: r}\nspec: {reservedCIDRs: [10.1.0.0/33]}\n", "prefix length" },
        { "IPAM settings breaking Calico's cross-field rule", "apiVersion: projectcalico.org/v3\nkind: IPAMConfiguration\nmetadata: {name: default}\nspec: {strictAffinity: false, autoAllocateBlocks: false}\n", "autoAllocateBlocks" },
        { "valid node after an invalid pool", "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1}\n---\napiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: x}\nspec: {cidr: nonsense}\n", "invalid CIDR" },
        { "missing name", "apiVersion: projectcalico.org/v3\nkind: IPPool\nspec: {cidr: 10.1.0.0/16}\n", "metadata.name" },
        { "Secret data not base64", "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: calico-system}\ndata: {bird: \"not base64!\"}\n", "data.bird" },
        { "Secret key with a slash", "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: calico-system}\nstringData: {\"a/b\": x}\n", "data key \"a/b\"" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_refused_with_a_clear_error_and_changes_nothing(string name, string document, string message)
    {
        var before = await SnapshotAsync();
        var result = await Cninetctl.RunAsync(Store, document, "apply", "-f", "-");
        Assert.True(result.ExitCode == 1, $"{name}: exit {result.ExitCode}, stdout {result.Stdout}");
        Assert.Contains("Failed to execute command", result.Stderr);
        Assert.Contains(message, result.Stderr);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Changing_a_pools_cidr_or_block_size_is_refused()
    {
        var cidr = await Cninetctl.RunAsync(Store, GoodPool.Replace("10.20.0.0/16", "10.21.0.0/16"), "apply", "-f", "-");
        Assert.Equal(1, cidr.ExitCode);
        Assert.Contains("spec.cidr cannot change", cidr.Stderr);
        var size = await Cninetctl.RunAsync(Store, GoodPool.Replace("}", ", blockSize: 28}").Replace("{name: existing, blockSize: 28}", "{name: existing}"), "apply", "-f", "-");
        Assert.Equal(1, size.ExitCode);
        Assert.Contains("spec.blockSize cannot change", size.Stderr);
    }

    [Fact]
    public async Task A_store_file_that_cannot_be_opened_is_a_clear_error()
    {
        var result = await Cninetctl.RunAsync(Path.Combine(_dir, "not-a-dir", "\0bad"), "", "get", "ippool");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Failed to execute command", result.Stderr);
        var directory = await Cninetctl.RunAsync(_dir, "", "get", "ippool");
        Assert.Equal(1, directory.ExitCode);
        Assert.Contains("cannot open the datastore file", directory.Stderr);
    }

    [Fact]
    public async Task A_Secret_is_applied_in_its_namespace_and_read_back_with_its_data_in_base64()
    {
        const string secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: bgp-secrets, namespace: calico-system}\ntype: Opaque\ndata: {bird: dGhlLXNlY3JldA==}\n";
        Assert.Equal(0, (await Cninetctl.RunAsync(Store, secret, "apply", "-f", "-")).ExitCode);
        var json = await Cninetctl.RunAsync(Store, "", "get", "secret", "bgp-secrets", "-n", "calico-system", "-o", "json");
        Assert.Equal(0, json.ExitCode);
        Assert.Contains("\"bird\": \"dGhlLXNlY3JldA==\"", json.Stdout);
        Assert.Contains("\"namespace\": \"calico-system\"", json.Stdout);
    }

    [Fact]
    public async Task Get_shows_what_apply_stored_in_calicos_shape()
    {
        var yaml = await Cninetctl.RunAsync(Store, "", "get", "ippool", "existing", "-o", "yaml");
        Assert.Equal(0, yaml.ExitCode);
        Assert.Contains("apiVersion: projectcalico.org/v3", yaml.Stdout);
        Assert.Contains("kind: IPPool", yaml.Stdout);
        Assert.Contains("cidr: 10.20.0.0/16", yaml.Stdout);
        var roundTrip = await Cninetctl.RunAsync(Store, yaml.Stdout, "replace", "-f", "-");
        Assert.Equal(0, roundTrip.ExitCode);
        var missing = await Cninetctl.RunAsync(Store, "", "get", "ippool", "nope");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr);
    }
}
