using CniNet.Linux.Netlink;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CniNet.Tests.Property.Linux;

/// <summary>
/// The netlink writer's buffer changes from pooled arrays to mapped memory past <see cref="NetlinkMessageWriter.MappedThreshold"/>,
/// and only the padding after a value is zeroed: the bytes must not depend on where they were written, nor on what
/// a reused buffer held before.
/// </summary>
public sealed class NetlinkMessageWriterProperties
{
    /// <summary>Up to 40 attribute value sizes of 1 to 300 bytes.</summary>
    private static readonly Arbitrary<int[]> Sizes = Gen.Choose(1, 300).ArrayOf().Select(sizes => sizes.Take(40).ToArray()).ToArbitrary();

    [Fact]
    public void Messages_are_the_same_bytes_in_a_pooled_array_grown_into_mapped_memory_and_in_mapped_memory_from_the_start() =>
        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(20),
            Prop.ForAll(Sizes, sizes =>
            {
                using var grown = new NetlinkMessageWriter();
                using var mapped = new NetlinkMessageWriter(NetlinkMessageWriter.MappedThreshold);
                // Enough messages to cross the threshold (and to grow the mapping) whatever the sizes drawn.
                for (var round = 0; grown.Length < 3 * NetlinkMessageWriter.MappedThreshold; round++)
                {
                    Write(grown, sizes, round, fill: (byte)round);
                    Write(mapped, sizes, round, fill: (byte)round);
                }
                Assert.True(grown.Written.SequenceEqual(mapped.Written));
            }));

    [Fact]
    public void A_cleared_writer_writes_what_a_fresh_one_does_whatever_it_held_before() =>
        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(100),
            Prop.ForAll(Sizes, sizes =>
            {
                using var reused = new NetlinkMessageWriter();
                // Every byte of the buffer set first, so that unzeroed padding would show.
                Write(reused, [.. sizes.Select(size => size + 3)], 0, fill: 0xff);
                reused.Clear();
                Write(reused, sizes, 1, fill: 0x11);
                using var fresh = new NetlinkMessageWriter();
                Write(fresh, sizes, 1, fill: 0x11);
                Assert.True(fresh.Written.SequenceEqual(reused.Written));
            }));

    /// <summary>One message of every kind of attribute, with values of the drawn sizes (odd ones leave padding).</summary>
    private static void Write(NetlinkMessageWriter writer, int[] sizes, int round, byte fill)
    {
        writer.BeginMessage(16, 1, (uint)round);
        writer.Append(5)[0] = fill;
        foreach (var size in sizes)
        {
            var nest = writer.BeginNested(1, flagged: true);
            writer.Attribute(2, Enumerable.Repeat(fill, size).ToArray());
            writer.AttributeString(3, new string((char)('a' + size % 26), size % 17));
            writer.AttributeString(4, $"chain-{size}".AsSpan());
            writer.AttributeUInt8(5, fill);
            writer.AttributeBigEndianUInt32(6, (uint)size);
            writer.AppendBytes(Enumerable.Repeat((byte)(fill ^ 0x5a), size % 7).ToArray());
            writer.EndNested(nest);
        }
        writer.EndMessage();
    }
}
