using System.Net;
using CniNet.Datastore;
using CniNet.IpamCore;
using CniNet.Model.Ipam;
using CniNet.Model.Net;
using CniNet.Model.Resources;
using Xunit;

namespace CniNet.Tests.Integration.Ipam;

/// <summary>Calico's IPAM semantics, observed through real SQLite stores.</summary>
public sealed class IpamBehaviourTests : IAsyncLifetime
{
    private readonly TestStore _t = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _t.DisposeAsync();

    private static AutoAssignArgs Pod(string node, string handle, int v4 = 1, int v6 = 0) => new()
    {
        Hostname = node, HandleId = handle, Num4 = v4, Num6 = v6,
        Attrs = new Dictionary<string, string> { ["node"] = node },
    };

    private async Task<List<string>> AssignAsync(IpamClient ipam, string node, string handle, int v4 = 1)
    {
        var (r4, _) = await ipam.AutoAssignAsync(Pod(node, handle, v4));
        return r4.IPs.Select(c => c.NetworkAddress.ToString()).ToList();
    }

    private async Task SetConfigAsync(Action<IPAMConfigSpec> change)
    {
        var ipam = _t.Ipam();
        var config = await ipam.GetConfigAsync();
        change(config);
        await ipam.SetConfigAsync(config);
    }

    [Fact]
    public async Task First_assignment_claims_a_block_for_the_node_and_returns_its_first_address_with_the_block_mask()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/16"));
        var (r4, r6) = await _t.Ipam().AutoAssignAsync(Pod("node-1", "h1"));
        var ip = Assert.Single(r4.IPs);
        Assert.Empty(r6.IPs);
        Assert.Equal(26, ip.PrefixLength);
        Assert.Equal(0, (int)(ip.Address & 63));
        var (affinities, _) = await _t.Store.ListAsync(ResourceKinds.BlockAffinity.StoreKind);
        var affinity = ResourceCodec.Decode<BlockAffinity>(ResourceKinds.BlockAffinity, Assert.Single(affinities));
        Assert.Equal(("node-1", "confirmed", new Cidr(ip.Address, 26, false).ToString()), (affinity.Spec.Node, affinity.Spec.State, affinity.Spec.Cidr));
        Assert.Equal($"node-1-{new Cidr(ip.Address, 26, false).ToResourceName()}", affinity.Metadata.Name);
    }

    [Fact]
    public async Task A_warm_assignment_costs_two_round_trips()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/16"));
        var ipam = _t.Ipam();
        await AssignAsync(ipam, "node-1", "warm-0");
        var before = _t.Store.RoundTrips;
        await AssignAsync(ipam, "node-1", "warm-1");
        Assert.Equal(2, _t.Store.RoundTrips - before);
    }

    private static WriteOp Marker(string name) => ResourceCodec.Create(ResourceKinds.Namespace,
        new CniNet.Model.Kubernetes.Namespace { Metadata = new ObjectMeta { Name = name } });

    [Fact]
    public async Task A_prepared_warm_assignment_commits_its_addresses_and_the_callers_writes_in_one_second_round_trip()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/16"));
        var first = _t.Ipam();
        await AssignAsync(first, "node-1", "warm-0");
        // A new client, as a new CNI process is, seeded only with the hint a node-local file would carry.
        var ipam = _t.Ipam();
        ipam.Prefer("node-1", first.PreferredBlocks("node-1"));
        var before = _t.Store.RoundTrips;
        var prepared = await ipam.PrepareAsync("node-1", "warm-1", [ReadOp.Get(ResourceCodec.KeyOf(ResourceKinds.Namespace, "seen"))]);
        Assert.Null(prepared.Extra.Single(0));
        var (v4, _) = await prepared.AutoAssignAsync(Pod("node-1", "warm-1"), (a, _) => [Marker($"ep-{a.IPs.Count}")]);
        Assert.Equal(2, _t.Store.RoundTrips - before);
        Assert.Single(v4.IPs);
        Assert.NotNull(await _t.Store.GetAsync(ResourceCodec.KeyOf(ResourceKinds.Namespace, "ep-1")));
        Assert.Equal([v4.IPs[0].NetworkAddress], await ipam.IPsByHandleAsync("warm-1"));
        Assert.Equal(0, (await new IpamReports(_t.Store).CheckAsync()).ProblemCount);
    }

    [Fact]
    public async Task A_prepared_assignment_that_must_claim_a_block_claims_it_and_writes_once()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/16"));
        var ipam = _t.Ipam();
        var prepared = await ipam.PrepareAsync("node-1", "cold", []);
        var calls = 0;
        var (v4, _) = await prepared.AutoAssignAsync(Pod("node-1", "cold"), (_, _) => { calls++; return [Marker("cold-ep")]; });
        Assert.Single(v4.IPs);
        // The claim commits first; the address, its handle and the caller's write then go in one commit.
        var written = Assert.IsType<KvEntry>(await _t.Store.GetAsync(ResourceCodec.KeyOf(ResourceKinds.Namespace, "cold-ep")));
        Assert.Equal(written.Revision, (await _t.Store.GetAsync(ResourceKey.Cluster(ResourceKinds.IPAMHandle.StoreKind, IpamNames.Handle("cold"))))?.Revision);
        Assert.Equal(1, calls);
        Assert.Equal(0, (await new IpamReports(_t.Store).CheckAsync()).ProblemCount);
    }

    [Fact]
    public async Task A_prepared_assignment_that_lost_a_race_is_redone_without_handing_out_an_address_twice()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/16"));
        var warm = _t.Ipam();
        await AssignAsync(warm, "node-1", "warm-0");
        var a = _t.Ipam();
        a.Prefer("node-1", warm.PreferredBlocks("node-1"));
        var prepared = await a.PrepareAsync("node-1", "racer", []);
        var rival = await AssignAsync(warm, "node-1", "rival");
        var (v4, _) = await prepared.AutoAssignAsync(Pod("node-1", "racer"), (_, _) => []);
        Assert.NotEqual(rival[0], v4.IPs[0].NetworkAddress.ToString());
        Assert.Equal(0, (await new IpamReports(_t.Store).CheckAsync()).ProblemCount);
    }

    [Fact]
    public async Task Addresses_come_from_the_front_of_the_free_list_and_released_ones_go_to_the_back()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/16", blockSize: 30));
        var ipam = _t.Ipam();
        var first = await AssignAsync(ipam, "node-1", "a", v4: 2);
        await ipam.ReleaseByHandleAsync("a");
        var next = await AssignAsync(ipam, "node-1", "b", v4: 2);
        Assert.Empty(first.Intersect(next));
    }

    [Fact]
    public async Task Without_strict_affinity_a_node_borrows_from_another_nodes_block_when_the_pool_is_full()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/26"));
        var ipam = _t.Ipam();
        var owned = await AssignAsync(ipam, "node-a", "a");
        var borrowed = await AssignAsync(ipam, "node-b", "b");
        var block = Cidr.Parse("10.10.0.0/26");
        Assert.True(block.Contains(IPAddress.Parse(Assert.Single(borrowed))));
        Assert.NotEqual(owned, borrowed);
        var report = await new IpamReports(_t.Store).GetUtilizationAsync();
        Assert.Equal(1, report.Pools[0].Blocks.Single().Borrowed);
        Assert.Equal("node-a", report.Pools[0].Blocks.Single().Host);
    }

    [Fact]
    public async Task Strict_affinity_never_borrows()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/26"));
        await SetConfigAsync(c => c.StrictAffinity = true);
        var ipam = _t.Ipam();
        await AssignAsync(ipam, "node-a", "a");
        var (r4, _) = await ipam.AutoAssignAsync(Pod("node-b", "b"));
        Assert.Empty(r4.IPs);
        Assert.Contains("strict affinity", r4.PartialFulfillmentError());
    }

    [Fact]
    public async Task The_implicit_cap_of_20_blocks_applies_and_stops_borrowing()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/24", blockSize: 31));
        var ipam = _t.Ipam();
        await AssignAsync(ipam, "node-a", "a");
        var (r4, _) = await ipam.AutoAssignAsync(Pod("node-b", "b", v4: 41));
        Assert.Equal(40, r4.IPs.Count);
        Assert.Contains("limit of 20 blocks", r4.PartialFulfillmentError());
        var blocksOfB = (await new IpamReports(_t.Store).GetUtilizationAsync()).Pools[0].Blocks.Count(b => b.Host == "node-b");
        Assert.Equal(20, blocksOfB);
    }

    [Fact]
    public async Task MaxBlocksPerHost_requires_strict_affinity_and_caps_the_node()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/24", blockSize: 30));
        var e = await Assert.ThrowsAsync<IpamException>(() => SetConfigAsync(c => c.MaxBlocksPerHost = 1));
        Assert.Contains("strictAffinity", e.Message);
        await SetConfigAsync(c => (c.StrictAffinity, c.MaxBlocksPerHost) = (true, 1));
        var (r4, _) = await _t.Ipam().AutoAssignAsync(Pod("node-a", "a", v4: 6));
        Assert.Equal(4, r4.IPs.Count);
        Assert.Contains("limit of 1 blocks", r4.PartialFulfillmentError());
    }

    [Fact]
    public async Task Reserved_addresses_and_wholly_reserved_blocks_are_skipped()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/25") + Yaml.Reservation("r", "10.10.0.0/26", "10.10.0.64/30"));
        var got = await AssignAsync(_t.Ipam(), "node-1", "h", v4: 3);
        Assert.Equal(["10.10.0.68", "10.10.0.69", "10.10.0.70"], got);
    }

    [Fact]
    public async Task Explicit_assignment_ignores_reservations_and_rejects_an_address_held_by_another_handle()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/24") + Yaml.Reservation("r", "10.10.0.5/32"));
        var ipam = _t.Ipam();
        var ip = IPAddress.Parse("10.10.0.5");
        await ipam.AssignIPAsync(new AssignIPArgs { IP = ip, HandleId = "h1", Hostname = "node-1" });
        await ipam.AssignIPAsync(new AssignIPArgs { IP = ip, HandleId = "h1", Hostname = "node-1" });
        var e = await Assert.ThrowsAsync<IpamException>(() => ipam.AssignIPAsync(new AssignIPArgs { IP = ip, HandleId = "h2", Hostname = "node-1" }));
        Assert.Equal(IpamErrorCode.AlreadyAssigned, e.Code);
        Assert.Equal([ip], await ipam.IPsByHandleAsync("h1"));
        var outside = await Assert.ThrowsAsync<IpamException>(() => ipam.AssignIPAsync(new AssignIPArgs { IP = IPAddress.Parse("10.99.0.1"), HandleId = "h3", Hostname = "node-1" }));
        Assert.Equal(IpamErrorCode.PoolNotFound, outside.Code);
    }

    [Fact]
    public async Task Windows_host_reserved_addresses_take_three_at_the_start_and_one_at_the_end_of_each_block()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/26"));
        var (r4, _) = await _t.Ipam().AutoAssignAsync(Pod("win-1", "w") with { Num4 = 61, HostReservedAttrIPv4s = HostReservedAttr.Windows });
        Assert.Equal(60, r4.IPs.Count);
        var got = r4.IPs.Select(c => (int)(c.Address & 63)).ToHashSet();
        Assert.DoesNotContain(0, got);
        Assert.DoesNotContain(2, got);
        Assert.DoesNotContain(63, got);
        Assert.Contains(3, got);
    }

    [Fact]
    public async Task Pools_are_chosen_by_node_selector_namespace_selector_and_explicit_request()
    {
        await _t.ApplyAsync(
            Yaml.Pool("a-rack1", "10.1.0.0/16", nodeSelector: "rack == 'r1'")
            + Yaml.Pool("b-rack2", "10.2.0.0/16", nodeSelector: "rack == 'r2'")
            + Yaml.Pool("c-manual", "10.3.0.0/16", extra: "  assignmentMode: Manual")
            + Yaml.Pool("d-tenant", "10.4.0.0/16", extra: "  namespaceSelector: tenant == 'blue'")
            + Yaml.Node("n1", "{rack: r1}") + Yaml.Node("n2", "{rack: r2}")
            + """
              apiVersion: v1
              kind: Namespace
              metadata:
                name: blue-ns
                labels: {tenant: blue}
              """);
        var ipam = _t.Ipam();
        Assert.StartsWith("10.1.", (await AssignAsync(ipam, "n1", "x1"))[0]);
        Assert.StartsWith("10.2.", (await AssignAsync(ipam, "n2", "x2"))[0]);
        var (manual, _) = await ipam.AutoAssignAsync(Pod("n2", "x3") with { IPv4Pools = [Cidr.Parse("10.3.0.0/16")] });
        Assert.StartsWith("10.3.", manual.IPs[0].NetworkAddress.ToString());
        var (tenant, _) = await ipam.AutoAssignAsync(Pod("n3", "x4") with { Namespace = "blue-ns" });
        Assert.StartsWith("10.4.", tenant.IPs[0].NetworkAddress.ToString());
        var none = await Assert.ThrowsAsync<IpamException>(() => ipam.AutoAssignAsync(Pod("n3", "x5")));
        Assert.Equal(IpamErrorCode.NoQualifiedPool, none.Code);
        var missing = await Assert.ThrowsAsync<IpamException>(() => ipam.AutoAssignAsync(Pod("n1", "x6") with { IPv4Pools = [Cidr.Parse("10.9.0.0/16")] }));
        Assert.Equal(IpamErrorCode.PoolNotFound, missing.Code);
    }

    [Fact]
    public async Task Dual_stack_assignment_gives_one_address_of_each_family()
    {
        await _t.ApplyAsync(Yaml.Pool("v4", "10.10.0.0/16") + Yaml.Pool("v6", "fd00:10::/64", blockSize: 122));
        var (r4, r6) = await _t.Ipam().AutoAssignAsync(Pod("node-1", "ds", v4: 1, v6: 1));
        Assert.Single(r4.IPs);
        var v6 = Assert.Single(r6.IPs);
        Assert.True(v6.IsV6);
        Assert.Equal(122, v6.PrefixLength);
    }

    [Fact]
    public async Task Release_checks_handle_and_sequence_number_and_removes_the_empty_handle()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/16"));
        var ipam = _t.Ipam();
        var ip = IPAddress.Parse((await AssignAsync(ipam, "node-1", "owner"))[0]);
        var held = (await ipam.GetAssignmentAttributesAsync(ip))!.Value;
        var wrongHandle = await Assert.ThrowsAsync<IpamException>(() => ipam.ReleaseIPsAsync([new ReleaseRequest(ip, "someone-else")]));
        Assert.Contains("belongs to handle owner", wrongHandle.Message);
        var wrongSeq = await Assert.ThrowsAsync<IpamException>(() => ipam.ReleaseIPsAsync([new ReleaseRequest(ip, "owner", held.SequenceNumber + 1)]));
        Assert.Contains("sequence number", wrongSeq.Message);
        Assert.NotNull(await ipam.GetAssignmentAttributesAsync(ip));
        Assert.Empty(await ipam.ReleaseIPsAsync([new ReleaseRequest(ip, "owner", held.SequenceNumber)]));
        Assert.Null(await ipam.GetAssignmentAttributesAsync(ip));
        Assert.Null(await _t.Store.GetAsync(new ResourceKey(ResourceKinds.IPAMHandle.StoreKind, "", "owner")));
        Assert.Equal([ip], await ipam.ReleaseIPsAsync([new ReleaseRequest(ip)]));
        Assert.False(await ipam.ReleaseByHandleAsync("owner"));
    }

    [Fact]
    public async Task A_released_address_waits_out_the_cooldown_before_reuse()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/30", blockSize: 30));
        await SetConfigAsync(c => (c.StrictAffinity, c.IpCooldownSeconds) = (true, 60));
        var clock = new ManualClock(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var ipam = _t.Ipam(clock);
        var all = await AssignAsync(ipam, "node-1", "a", v4: 4);
        await ipam.ReleaseIPsAsync([new ReleaseRequest(IPAddress.Parse(all[1]))]);
        var (cooling, _) = await ipam.AutoAssignAsync(Pod("node-1", "b"));
        Assert.Empty(cooling.IPs);
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal([all[1]], await AssignAsync(ipam, "node-1", "b"));
    }

    [Fact]
    public async Task Releasing_a_hosts_affinities_leaves_used_blocks_unaffine_and_deletes_them_once_empty()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/16"));
        var ipam = _t.Ipam();
        var ip = IPAddress.Parse((await AssignAsync(ipam, "node-1", "a"))[0]);
        await ipam.ReleaseHostAffinitiesAsync("node-1", mustBeEmpty: false);
        var (affinities, _) = await _t.Store.ListAsync(ResourceKinds.BlockAffinity.StoreKind);
        Assert.Empty(affinities);
        var (blocks, _) = await _t.Store.ListAsync(ResourceKinds.IPAMBlock.StoreKind);
        Assert.Null(ResourceCodec.Decode<IPAMBlock>(ResourceKinds.IPAMBlock, Assert.Single(blocks)).Spec.Affinity);
        await ipam.ReleaseIPsAsync([new ReleaseRequest(ip)]);
        (blocks, _) = await _t.Store.ListAsync(ResourceKinds.IPAMBlock.StoreKind);
        Assert.Empty(blocks);
    }

    [Fact]
    public async Task A_claim_cut_short_after_its_pending_affinity_is_reported_by_check_and_repaired_by_the_next_assignment()
    {
        await _t.ApplyAsync(Yaml.Pool("pool", "10.10.0.0/26"));
        var pending = new BlockAffinity
        {
            Metadata = new ObjectMeta { Name = IpamNames.Affinity("node-1", Cidr.Parse("10.10.0.0/26")) },
            Spec = new BlockAffinitySpec { State = BlockAffinitySpec.Pending, Node = "node-1", Type = "host", Cidr = "10.10.0.0/26" },
        };
        await _t.Store.CommitAsync([ResourceCodec.Create(ResourceKinds.BlockAffinity, pending)]);
        var before = await new IpamReports(_t.Store).CheckAsync();
        Assert.Single(before.StaleAffinities);
        Assert.Equal(["10.10.0.0"], await AssignAsync(_t.Ipam(), "node-1", "h"));
        var after = await new IpamReports(_t.Store).CheckAsync();
        Assert.Equal(0, after.ProblemCount);
        Assert.Equal(1, after.Allocated);
    }
}
