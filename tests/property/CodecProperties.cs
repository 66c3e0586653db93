using System.Text.Json;
using System.Text.Json.Nodes;
using CniNet.IpamCore;
using CniNet.Model.Documents;
using CniNet.Model.Ipam;
using CniNet.Model.Net;
using CniNet.Model.Network;
using CniNet.Model.Resources;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CniNet.Tests.Property;

/// <summary>Wire shapes round-trip: the hand-written block codec, and resources through YAML.</summary>
public sealed class CodecProperties
{
    private static readonly DateTime Start = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    private static readonly Gen<IPAMBlock> BlockGen =
        from prefix in Gen.Choose(26, 30)
        from handles in Gen.Choose(0, 5)
        from takes in Gen.Choose(0, 8).ArrayOf(handles)
        from release in Gen.Elements(false, true)
        from affinity in Gen.Elements<string?>(null, "host:node-a", "virtual:load-balancer")
        from extra in Gen.Elements(false, true)
        select Build(prefix, takes, release, affinity, extra);

    private static IPAMBlock Build(int prefix, int[] takes, bool release, string? affinity, bool extra)
    {
        var block = IpamBlock.Create(Cidr.Parse($"10.9.0.0/{prefix}"), affinity, Start, 1_700_000_000_000_000_000UL);
        for (var h = 0; h < takes.Length; h++)
            (block, _) = block.AutoAssign(takes[h], $"k8s-pod-network.{h}", new Dictionary<string, string> { ["pod"] = $"p{h}", ["namespace"] = "ns", ["node"] = "node-a" });
        if (release && takes.Length > 0) (block, _) = block.ReleaseByHandle("k8s-pod-network.0", Start.AddSeconds(5));
        var spec = block.ToSpec();
        if (extra) spec.Extra = new Dictionary<string, JsonElement> { ["futureField"] = JsonDocument.Parse("{\"a\":[1,2,{\"b\":null}]}").RootElement };
        return new IPAMBlock { ApiVersion = ResourceKind.CalicoCrdV1, Kind = "IPAMBlock", Metadata = new ObjectMeta { Name = "10-9-0-0-26" }, Spec = spec };
    }

    [Fact]
    public void Blocks_round_trip_through_the_hand_written_codec()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(BlockGen.ToArbitrary(), (IPAMBlock block) =>
        {
            var json = JsonSerializer.Serialize(block, ModelJsonContext.Default.IPAMBlock);
            var back = JsonSerializer.Deserialize(json, ModelJsonContext.Default.IPAMBlock)!;
            Assert.Equal(json, JsonSerializer.Serialize(back, ModelJsonContext.Default.IPAMBlock));
            Assert.Equal(block.Spec.Allocations, back.Spec.Allocations);
            Assert.Equal(block.Spec.Unallocated, back.Spec.Unallocated);
            Assert.Equal(block.Spec.SequenceNumberForAllocation, back.Spec.SequenceNumberForAllocation);
            Assert.Equal(block.Spec.Attributes.Select(a => (a.HandleId, a.ReleasedAt)), back.Spec.Attributes.Select(a => (a.HandleId, a.ReleasedAt)));
            Assert.Empty(IpamBlock.FromSpec(back.Spec).Validate(Start.AddMinutes(1)));
        }));
    }

    [Fact]
    public void A_block_written_by_calico_reads_with_its_exact_fields_and_keeps_unknown_ones()
    {
        const string calico = """
            {"apiVersion":"crd.projectcalico.org/v1","kind":"IPAMBlock","metadata":{"name":"10-244-1-0-30"},
             "spec":{"cidr":"10.244.1.0/30","affinity":"host:node-1","affinityClaimTime":"2025-06-01T10:00:00Z",
             "allocations":[0,null,1,null],"unallocated":[3,1],
             "attributes":[{"handle_id":"k8s-pod-network.aaa","secondary":{"namespace":"default","node":"node-1","pod":"web","timestamp":"2025-06-01 10:00:01.1 +0000 UTC"}},
                           {"handle_id":"k8s-pod-network.bbb","secondary":{"node":"node-1"}}],
             "sequenceNumber":7,"sequenceNumberForAllocation":{"0":3,"2":6},"deleted":false,"strictAffinity":false,
             "someFutureField":{"x":[1,"y"]}}}
            """;
        var block = JsonSerializer.Deserialize(calico, ModelJsonContext.Default.IPAMBlock)!;
        var ipam = IpamBlock.FromSpec(block.Spec);
        Assert.Equal("node-1", ipam.AffinityHost);
        Assert.Equal("k8s-pod-network.bbb", ipam.AttributeOf(2)!.HandleId);
        Assert.Equal(6UL, ipam.SequenceNumberOf(2));
        Assert.Equal([3, 1], ipam.Unallocated);
        Assert.Empty(ipam.Validate(DateTime.UtcNow));
        var written = JsonNode.Parse(JsonSerializer.Serialize(block, ModelJsonContext.Default.IPAMBlock))!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(calico)!["spec"], written["spec"]), written["spec"]!.ToJsonString());
    }

    private static readonly Gen<IPPool> PoolGen =
        from third in Gen.Choose(0, 255)
        from blockSize in Gen.Choose(24, 30)
        from nat in Gen.Elements(false, true)
        from selector in Gen.Elements<string?>(null, "all()", "zone == 'a'", "has(gpu) && rack in {'1', '2'}")
        from mode in Gen.Elements<string?>(null, "Never", "Always", "CrossSubnet")
        from uses in Gen.Elements<List<string>?>(null, ["Workload"], ["Workload", "Tunnel"])
        select new IPPool
        {
            ApiVersion = ResourceKind.CalicoV3, Kind = "IPPool",
            Metadata = new ObjectMeta { Name = $"pool-{third}", Labels = new Dictionary<string, string> { ["team"] = "t" + third } },
            Spec = new IPPoolSpec { Cidr = $"10.{third}.0.0/16", BlockSize = blockSize, NatOutgoing = nat, NodeSelector = selector, VxlanMode = mode, AllowedUses = uses },
        };

    [Fact]
    public void Pools_round_trip_through_yaml_as_calicoctl_prints_and_reads_them()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(PoolGen.ToArbitrary(), (IPPool pool) =>
        {
            var node = JsonSerializer.SerializeToNode(pool, ModelJsonContext.Default.IPPool);
            var back = Assert.IsType<IPPool>(Assert.Single(ResourceDocuments.Parse(ResourceDocuments.ToYaml([node]))));
            Assert.True(JsonNode.DeepEquals(node, JsonSerializer.SerializeToNode(back, ModelJsonContext.Default.IPPool)));
        }));
    }
}
