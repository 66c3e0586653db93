using CniNet.IpamCore;
using CniNet.Model.Net;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CniNet.Tests.Property;

/// <summary>The block as a value: random operation sequences never break its invariants.</summary>
public sealed class IpamBlockProperties
{
    private static readonly Cidr BlockCidr = Cidr.Parse("10.0.0.0/28");
    private static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private sealed record BlockScenario(bool Windows, HashSet<int> Reserved, List<BlockOp> Ops);

    private abstract record BlockOp;

    private sealed record AutoOp(int Count, int Handle) : BlockOp;

    private sealed record AssignOp(int Ordinal, int Handle) : BlockOp;

    private sealed record ReleaseOp(int Ordinal, bool WithHandle) : BlockOp;

    private sealed record ReleaseHandleOp(int Handle) : BlockOp;

    private sealed record CollectOp(int Seconds) : BlockOp;

    private static readonly Gen<BlockOp> OpGen = Gen.OneOf(
        from c in Gen.Choose(1, 5) from h in Gen.Choose(0, 4) select (BlockOp)new AutoOp(c, h),
        from o in Gen.Choose(0, 15) from h in Gen.Choose(0, 4) select (BlockOp)new AssignOp(o, h),
        from o in Gen.Choose(0, 15) from w in Gen.Elements(false, true) select (BlockOp)new ReleaseOp(o, w),
        from h in Gen.Choose(0, 4) select (BlockOp)new ReleaseHandleOp(h),
        from s in Gen.Choose(0, 40) select (BlockOp)new CollectOp(s));

    [Fact]
    public void Random_operations_keep_the_block_sound_and_never_hand_out_reserved_or_held_ordinals()
    {
        var scenario =
            from windows in Gen.Elements(false, true)
            from reservedCount in Gen.Choose(0, 4)
            from reserved in Gen.Choose(0, 15).ListOf(reservedCount)
            from opCount in Gen.Choose(1, 40)
            from ops in OpGen.ListOf(opCount)
            select new BlockScenario(windows, reserved.ToHashSet(), ops.ToList());
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(scenario.ToArbitrary(), (BlockScenario s) => Run(s.Windows, s.Reserved, s.Ops)));
    }

    private static void Run(bool windows, HashSet<int> reserved, List<BlockOp> ops)
    {
        var now = Start;
        var cooldown = TimeSpan.FromSeconds(20);
        var block = IpamBlock.Create(BlockCidr, "host:n1", now, 1, windows ? HostReservedAttr.Windows : null);
        var hostReserved = windows ? new HashSet<int> { 0, 1, 2, 15 } : [];
        var owners = new Dictionary<int, string>();
        var releasedAt = new Dictionary<int, DateTime>();
        Func<int, bool> isReserved = reserved.Contains;
        foreach (var op in ops)
        {
            switch (op)
            {
                case AutoOp(var count, var h):
                {
                    var expected = block.Unallocated.Where(o => !reserved.Contains(o)).Take(count).ToList();
                    (block, var got) = block.AutoAssign(count, $"h{h}", null, isReserved);
                    Assert.Equal(expected, got);
                    foreach (var o in got)
                    {
                        Assert.False(reserved.Contains(o) || hostReserved.Contains(o), $"ordinal {o} is reserved");
                        Assert.True(owners.TryAdd(o, $"h{h}"), $"ordinal {o} handed out twice");
                        Assert.False(releasedAt.ContainsKey(o), $"ordinal {o} is still cooling down");
                    }
                    break;
                }
                case AssignOp(var ordinal, var h) when hostReserved.Contains(ordinal):
                    Assert.Throws<IpamException>(() => block.Assign(ordinal, $"h{h}", null));
                    break;
                case AssignOp(var ordinal, var h):
                    if ((owners.TryGetValue(ordinal, out var owner) && owner != $"h{h}") || releasedAt.ContainsKey(ordinal))
                    {
                        Assert.Throws<IpamException>(() => block.Assign(ordinal, $"h{h}", null));
                    }
                    else
                    {
                        block = block.Assign(ordinal, $"h{h}", null);
                        owners[ordinal] = $"h{h}";
                    }
                    break;
                case ReleaseOp(var ordinal, var withHandle) when !hostReserved.Contains(ordinal):
                {
                    var handle = withHandle ? owners.GetValueOrDefault(ordinal) : null;
                    (block, var outcome) = block.Release([new ReleaseRequest(block.AddressOf(ordinal), handle)], now);
                    if (owners.Remove(ordinal))
                    {
                        Assert.Single(outcome.Released);
                        releasedAt[ordinal] = now;
                    }
                    else
                    {
                        Assert.Single(outcome.NotAllocated);
                    }
                    break;
                }
                case ReleaseHandleOp(var h):
                {
                    var held = owners.Where(kv => kv.Value == $"h{h}").Select(kv => kv.Key).ToList();
                    (block, var n) = block.ReleaseByHandle($"h{h}", now);
                    Assert.Equal(held.Count, n);
                    foreach (var o in held)
                    {
                        owners.Remove(o);
                        releasedAt[o] = now;
                    }
                    break;
                }
                case CollectOp(var seconds):
                    now = now.AddSeconds(seconds);
                    block = block.CollectCooledDown(now, cooldown);
                    foreach (var o in releasedAt.Where(kv => now - kv.Value >= cooldown).Select(kv => kv.Key).ToList()) releasedAt.Remove(o);
                    break;
            }

            Assert.Empty(block.Validate(now));
            var utilization = IpamReports.Measure(block, new ReservationSet(reserved.Select(o => new Cidr(BlockCidr.Address + (UInt128)o, 32, false))));
            Assert.Equal(block.Size, utilization.Free + utilization.InUse + utilization.Reserved);
            Assert.Equal(owners.Count + releasedAt.Count + hostReserved.Count, block.InUse);
            foreach (var (o, h) in owners) Assert.Equal(h, block.AttributeOf(o)?.HandleId);
        }
    }
}
