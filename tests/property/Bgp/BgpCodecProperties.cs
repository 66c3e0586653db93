using System.Buffers.Binary;
using CniNet.Bgp.Wire;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CniNet.Tests.Property.Bgp;

/// <summary>The BGP message codec: every message type round-trips, and no input makes it throw.</summary>
public sealed class BgpCodecProperties
{
    [Fact]
    public void Every_message_type_round_trips_with_4_octet_and_2_octet_AS_numbers()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(BgpGen.Message.ToArbitrary(), Gen.Elements(false, true).ToArbitrary(),
            (BgpMessage message, bool fourOctetAs) =>
            {
                var bytes = BgpCodec.Encode(message, fourOctetAs);
                var read = BgpCodec.Read(bytes, fourOctetAs);
                Assert.Equal(BgpReadStatus.Message, read.Status);
                Assert.Equal(bytes.Length, read.Consumed);
                Assert.Equal(message, read.Message);
                Assert.Equal(bytes, BgpCodec.Encode(read.Message!, fourOctetAs));
            }));
    }

    [Fact]
    public void A_stream_cut_anywhere_asks_for_more_and_then_reads_each_message_in_turn()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(BgpGen.Message.ArrayOf(3).ToArbitrary(), (BgpMessage[] messages) =>
        {
            var stream = messages.SelectMany(m => BgpCodec.Encode(m, true)).ToArray();
            var first = BgpCodec.Encode(messages[0], true).Length;
            for (var cut = 0; cut < first; cut++) Assert.Equal(BgpReadStatus.NeedMore, BgpCodec.Read(stream.AsSpan(0, cut), true).Status);
            var offset = 0;
            foreach (var message in messages)
            {
                var read = BgpCodec.Read(stream.AsSpan(offset), true);
                Assert.Equal(message, read.Message);
                offset += read.Consumed;
            }
            Assert.Equal(stream.Length, offset);
        }));
    }

    /// <summary>Bodies cut short (with the header's length made to agree) and bytes overwritten: a message or an error, never an exception.</summary>
    [Fact]
    public void Truncated_or_corrupted_messages_give_a_message_or_an_error_never_an_exception()
    {
        var corruption =
            from message in BgpGen.Message
            from fourOctetAs in Gen.Elements(false, true)
            from keep in Gen.Choose(0, 100)
            from flips in Gen.Choose(0, 6)
            from positions in Gen.Choose(0, int.MaxValue).ArrayOf(flips)
            from values in Gen.Choose(0, 255).ArrayOf(flips)
            from fixLength in Gen.Elements(true, true, false)
            select (message, fourOctetAs, keep, positions, values, fixLength);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(3000), Prop.ForAll(corruption.ToArbitrary(), c =>
        {
            var bytes = BgpCodec.Encode(c.message, c.fourOctetAs);
            var length = BgpCodec.HeaderLength + (bytes.Length - BgpCodec.HeaderLength) * c.keep / 100;
            var damaged = bytes[..length];
            for (var i = 0; i < c.positions.Length; i++) damaged[16 + c.positions[i] % (length - 16)] = (byte)c.values[i];
            if (c.fixLength) BinaryPrimitives.WriteUInt16BigEndian(damaged.AsSpan(16), (ushort)length);
            var read = BgpCodec.Read(damaged, c.fourOctetAs);
            switch (read.Status)
            {
                case BgpReadStatus.Message:
                    Assert.InRange(read.Consumed, BgpCodec.HeaderLength, length);
                    Assert.NotNull(read.Message);
                    break;
                case BgpReadStatus.Error:
                    Assert.InRange(read.Error!.Code, BgpErrorCode.MessageHeader, BgpErrorCode.Update);
                    Assert.True(read.Consumed > 0);
                    break;
                default:
                    Assert.True(BinaryPrimitives.ReadUInt16BigEndian(damaged.AsSpan(16)) > length);
                    break;
            }
        }));
    }
}
