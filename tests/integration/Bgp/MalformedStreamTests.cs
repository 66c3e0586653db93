using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using CniNet.Bgp.Session;
using CniNet.Bgp.Wire;
using CniNet.Model.Net;
using Xunit;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>
/// Malformed messages into a live session over loopback (127.0.0.0/8 only): each one the codec rejects is answered
/// with its NOTIFICATION and the connection closed, and the session takes the next connection as if nothing happened.
/// </summary>
public sealed class MalformedStreamTests
{
    private static readonly IPAddress Ours = IPAddress.Parse("127.0.0.6");
    private static readonly IPAddress Theirs = IPAddress.Parse("127.0.0.7");

    private static readonly UpdateMessage Announce = new([], new PathAttributes
    {
        Origin = BgpOrigin.Igp,
        AsPath = [new AsPathSegment(AsPathSegmentType.Sequence, [64512, 4200000000])],
        NextHop = Theirs,
        LocalPref = 2147482623,
        Communities = [0xFDE80001],
        LargeCommunities = [new LargeCommunity(64512, 1, 2)],
        Other = [new RawAttribute(0xC0, 99, [1, 2, 3])],
    }, [Cidr.Parse("10.244.1.0/26"), Cidr.Parse("10.244.2.0/26")]);

    private static readonly BgpMessage[] Samples =
    [
        Announce,
        OpenMessage.Create(64512, 90, Theirs, [new FourOctetAsCapability(64512)]),
        new RouteRefreshMessage(1, 1),
        KeepaliveMessage.Instance,
        new UpdateMessage([], Announce.Attributes with { NextHop = null, MpReach = new MpReach(BgpFamily.Ipv6Unicast, IPAddress.Parse("fd00::7"), IPAddress.Parse("fe80::7"), [Cidr.Parse("fd00:244::/122")]) }, []),
    ];

    /// <summary>A peer driven byte by byte from the test.</summary>
    private sealed class RawPeer : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly List<byte> _received = [];

        public static async Task<RawPeer> EstablishAsync(int port)
        {
            var peer = new RawPeer();
            peer._socket.Bind(new IPEndPoint(Theirs, 0));
            await peer._socket.ConnectAsync(new IPEndPoint(Ours, port));
            await peer.SendAsync(BgpCodec.Encode(OpenMessage.Create(64512, 90, Theirs, [new FourOctetAsCapability(64512)]), true));
            Assert.IsType<OpenMessage>(await peer.NextAsync());
            Assert.IsType<KeepaliveMessage>(await peer.NextAsync());
            await peer.SendAsync(BgpCodec.Encode(KeepaliveMessage.Instance, true));
            return peer;
        }

        public Task SendAsync(byte[] bytes) => _socket.SendAsync(bytes);

        /// <summary>Stops sending and reads what the session sends until it closes.</summary>
        public async Task<List<BgpMessage>> FinishAsync()
        {
            _socket.Shutdown(SocketShutdown.Send);
            var messages = new List<BgpMessage>();
            while (await NextAsync() is { } message) messages.Add(message);
            return messages;
        }

        private async Task<BgpMessage?> NextAsync()
        {
            var buffer = new byte[4096];
            while (true)
            {
                var read = BgpCodec.Read(_received.ToArray(), true);
                if (read.Status == BgpReadStatus.Message)
                {
                    _received.RemoveRange(0, read.Consumed);
                    return read.Message;
                }
                Assert.Equal(BgpReadStatus.NeedMore, read.Status);
                int n;
                try
                {
                    n = await _socket.ReceiveAsync(buffer);
                }
                catch (SocketException)
                {
                    return null;
                }
                if (n == 0) return null;
                _received.AddRange(buffer[..n]);
            }
        }

        public void Dispose() => _socket.Dispose();
    }

    [Fact]
    public async Task Each_rejected_message_gets_its_notification_and_the_session_comes_back()
    {
        var observer = new RecordingObserver();
        var settings = new BgpSessionSettings(64512, Ours) { ConnectRetry = TimeSpan.FromMilliseconds(100) };
        BgpSession? session = null;
        await using var listener = BgpListener.Start(settings.CreateSocket, Ours, 0, a => a.Equals(Theirs) ? session : null);
        await using var live = session = new BgpSession(new BgpPeerConfig("raw", Theirs, 64512) { Passive = true }, settings, observer);
        session.Start();
        var random = new Random(5);
        var rejected = 0;
        for (var round = 0; round < 40; round++)
        {
            var bytes = BgpCodec.Encode(Samples[round % Samples.Length], true);
            var cut = BgpCodec.HeaderLength + random.Next(bytes.Length - BgpCodec.HeaderLength + 1);
            var damaged = bytes[..cut];
            for (var flips = random.Next(4); flips > 0; flips--) damaged[16 + random.Next(cut - 16)] = (byte)random.Next(256);
            if (random.Next(4) > 0) BinaryPrimitives.WriteUInt16BigEndian(damaged.AsSpan(16), (ushort)cut);
            var expected = BgpCodec.Read(damaged, true);

            using var peer = await RawPeer.EstablishAsync(listener.LocalEndPoint.Port);
            await Eventually.HoldsAsync(() => session.State == BgpSessionState.Established, $"round {round}: Established", () => $"{session} {session.LastError}");
            await peer.SendAsync(damaged);
            var answers = await peer.FinishAsync();

            if (expected.Status == BgpReadStatus.Error)
            {
                rejected++;
                var notification = Assert.IsType<NotificationMessage>(answers.Last());
                Assert.Equal((expected.Error!.Code, expected.Error.Subcode), (notification.Code, notification.Subcode));
            }
            await Eventually.HoldsAsync(() => session.State != BgpSessionState.Established, $"round {round}: the connection ended");
        }
        Assert.InRange(rejected, 8, 40);
        using var last = await RawPeer.EstablishAsync(listener.LocalEndPoint.Port);
        await last.SendAsync(BgpCodec.Encode(Announce, true));
        await Eventually.HoldsAsync(() => observer.Updates.Contains(Announce), "a clean UPDATE after all that");
    }
}
