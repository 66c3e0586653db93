using System.Net;
using CniNet.Bgp.Rib;
using CniNet.Bgp.Wire;
using CniNet.Model.Net;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CniNet.Tests.Property.Bgp;

/// <summary>The Loc-RIB against a model: after any sequence of adds, withdrawals and lost sessions, each prefix's best path is the decision process's pick.</summary>
public sealed class LocRibProperties
{
    private static readonly Cidr[] Prefixes = [Cidr.Parse("10.244.0.0/26"), Cidr.Parse("10.244.0.64/26"), Cidr.Parse("fd00:244::/122")];
    private static readonly string[] Peers = ["p1", "p2", "p3", "p4"];

    private static readonly Gen<RibPath> PathGen =
        from prefix in Gen.Elements(Prefixes)
        from peer in Gen.Choose(0, Peers.Length - 1)
        from localPref in BgpGen.MaybeValue(Gen.Elements(100u, 200u, 2147482623u))
        from pathLength in Gen.Choose(0, 3)
        from origin in Gen.Elements(BgpOrigin.Igp, BgpOrigin.Egp, BgpOrigin.Incomplete)
        from med in BgpGen.MaybeValue(Gen.Elements(0u, 10u))
        from neighbor in Gen.Elements(65001u, 65002u)
        from external in Gen.Elements(false, true)
        from clusters in Gen.Choose(0, 2)
        select new RibPath(prefix, new PathAttributes
        {
            Origin = origin,
            LocalPref = localPref,
            MultiExitDisc = med,
            AsPath = pathLength == 0 ? [] : [new AsPathSegment(AsPathSegmentType.Sequence, Enumerable.Repeat(neighbor, pathLength).ToArray())],
            ClusterList = Enumerable.Range(1, clusters).Select(c => (uint)c).ToArray(),
        }, IPAddress.Parse($"10.99.0.{peer + 1}"), Peers[peer], external, IPAddress.Parse($"10.99.0.{peer + 1}"), IPAddress.Parse($"10.99.0.{peer + 1}"));

    private abstract record Op;

    private sealed record AddOp(RibPath Path) : Op;

    private sealed record RemoveOp(string Peer, Cidr Prefix) : Op;

    private sealed record DropPeerOp(string Peer) : Op;

    private static readonly Gen<Op> OpGen = Gen.OneOf(
        PathGen.Select(p => (Op)new AddOp(p)),
        PathGen.Select(p => (Op)new AddOp(p)),
        from peer in Gen.Elements(Peers) from prefix in Gen.Elements(Prefixes) select (Op)new RemoveOp(peer, prefix),
        Gen.Elements(Peers).Select(p => (Op)new DropPeerOp(p)));

    [Fact]
    public void Best_paths_match_the_model_and_every_change_is_reported()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(400), Prop.ForAll(OpGen.ArrayOf(40).ToArbitrary(), (Op[] ops) =>
        {
            var rib = new LocRib();
            var model = new Dictionary<(string, Cidr), RibPath>();
            var reported = new Dictionary<Cidr, RibPath>();
            foreach (var op in ops)
            {
                var changes = op switch
                {
                    AddOp add => new[] { rib.Add(add.Path) },
                    RemoveOp remove => new[] { rib.Remove(remove.Peer, remove.Prefix) },
                    DropPeerOp drop => rib.RemovePeer(drop.Peer).ToArray<RibChange?>(),
                    _ => [],
                };
                switch (op)
                {
                    case AddOp add:
                        model[(add.Path.Peer, add.Path.Prefix)] = add.Path;
                        break;
                    case RemoveOp remove:
                        model.Remove((remove.Peer, remove.Prefix));
                        break;
                    case DropPeerOp drop:
                        foreach (var key in model.Keys.Where(k => k.Item1 == drop.Peer).ToList()) model.Remove(key);
                        break;
                }
                foreach (var change in changes.OfType<RibChange>())
                {
                    Assert.Equal(reported.GetValueOrDefault(change.Prefix), change.Old);
                    if (change.New is null) reported.Remove(change.Prefix);
                    else reported[change.Prefix] = change.New;
                }
                foreach (var prefix in Prefixes)
                {
                    var expected = BestPath.Select(model.Values.Where(p => p.Prefix == prefix));
                    Assert.Equal(expected, rib.Best(prefix));
                    Assert.Equal(expected, reported.GetValueOrDefault(prefix));
                }
            }
        }));
    }

    [Fact]
    public void The_pick_does_not_depend_on_the_order_of_the_candidates()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(PathGen.ArrayOf(4).ToArbitrary(), (RibPath[] paths) =>
        {
            var distinct = paths.DistinctBy(p => p.Peer).Select(p => p with { Prefix = Prefixes[0] }).ToArray();
            var best = BestPath.Select(distinct);
            Assert.Equal(best, BestPath.Select(distinct.Reverse()));
            Assert.Equal(best, BestPath.Select(distinct.OrderBy(p => p.Attributes.MultiExitDisc)));
        }));
    }

    private static RibPath Path(string peer, PathAttributes attributes, bool external = false, string? id = null) =>
        new(Prefixes[0], attributes, IPAddress.Parse("10.99.0.9"), peer, external, IPAddress.Parse(id ?? "10.0.0.9"), IPAddress.Parse("10.99.0.9"));

    private static readonly PathAttributes Base = new() { Origin = BgpOrigin.Igp, AsPath = [new AsPathSegment(AsPathSegmentType.Sequence, [65001])] };

    [Fact]
    public void Each_rule_of_the_decision_process_decides_in_order()
    {
        static string Pick(RibPath a, RibPath b) => BestPath.Select([b, a])!.Peer;
        Assert.Equal("a", Pick(Path("a", Base with { LocalPref = 2147482623 }), Path("b", Base with { LocalPref = 100, AsPath = [] })));
        Assert.Equal("a", Pick(Path("a", Base with { AsPath = [] }), Path("b", Base with { Origin = BgpOrigin.Igp })));
        Assert.Equal("a", Pick(Path("a", Base with { Origin = BgpOrigin.Igp }), Path("b", Base with { Origin = BgpOrigin.Incomplete, MultiExitDisc = 0 })));
        Assert.Equal("a", Pick(Path("a", Base with { MultiExitDisc = 5 }), Path("b", Base with { MultiExitDisc = 50 }, external: true)));
        Assert.Equal("a", Pick(Path("a", Base, external: true), Path("b", Base, id: "1.1.1.1")));
        Assert.Equal("a", Pick(Path("a", Base, id: "10.0.0.1"), Path("b", Base, id: "10.0.0.2")));
        Assert.Equal("a", Pick(Path("a", Base with { OriginatorId = IPAddress.Parse("1.0.0.1") }, id: "9.0.0.1"), Path("b", Base, id: "2.0.0.1")));
        // MED only between routes from the same neighbouring AS: a higher MED from another AS does not lose for it.
        var otherAs = Base with { AsPath = [new AsPathSegment(AsPathSegmentType.Sequence, [65002])], MultiExitDisc = 50 };
        Assert.Equal("b", Pick(Path("a", Base with { MultiExitDisc = 5 }, id: "10.0.0.2"), Path("b", otherAs, id: "10.0.0.1")));
    }
}
