using System.Net;
using CniNet.Bgp.Session;
using CniNet.Bgp.Wire;
using CniNet.Model.Net;
using Xunit;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>Two of our sessions against each other on loopback addresses (127.0.0.0/8 only): the FSM, collisions, hold time, errors.</summary>
public sealed class BgpSessionTests
{
    private static readonly IPAddress A = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress B = IPAddress.Parse("127.0.0.3");

    /// <summary>Two speakers, each listening on its own loopback address and a free port, each configured for the other.</summary>
    private sealed class Pair : IAsyncDisposable
    {
        private readonly BgpListener _listenerA;
        private readonly BgpListener _listenerB;

        public Pair(uint asA, uint asB, uint expectAsOfB, ushort holdA, ushort holdB, bool passiveA = false, bool passiveB = false)
        {
            BgpSession? a = null, b = null;
            _listenerA = BgpListener.Start(Settings(asA, A, holdA).CreateSocket, A, 0, address => address.Equals(B) ? a : null);
            _listenerB = BgpListener.Start(Settings(asB, B, holdB).CreateSocket, B, 0, address => address.Equals(A) ? b : null);
            SessionA = a = new BgpSession(new BgpPeerConfig("b", B, expectAsOfB) { Port = _listenerB.LocalEndPoint.Port, SourceAddress = A, Passive = passiveA },
                Settings(asA, A, holdA), ObserverA);
            SessionB = b = new BgpSession(new BgpPeerConfig("a", A, asA) { Port = _listenerA.LocalEndPoint.Port, SourceAddress = B, Passive = passiveB },
                Settings(asB, B, holdB), ObserverB);
            a.Start();
            b.Start();
        }

        public RecordingObserver ObserverA { get; } = new();

        public RecordingObserver ObserverB { get; } = new();

        public BgpSession SessionA { get; }

        public BgpSession SessionB { get; }

        private static BgpSessionSettings Settings(uint @as, IPAddress id, ushort hold) =>
            new(@as, id) { HoldTime = hold, ConnectRetry = TimeSpan.FromMilliseconds(300) };

        public async ValueTask DisposeAsync()
        {
            await SessionA.DisposeAsync();
            await SessionB.DisposeAsync();
            await _listenerA.DisposeAsync();
            await _listenerB.DisposeAsync();
        }
    }

    [Fact]
    public async Task Both_sides_connecting_settle_on_one_connection_with_the_smaller_hold_time()
    {
        await using var pair = new Pair(64512, 64512, 64512, holdA: 30, holdB: 9);

        await Eventually.HoldsAsync(() => pair.SessionA.State == BgpSessionState.Established && pair.SessionB.State == BgpSessionState.Established,
            "both sessions Established", () => $"{pair.SessionA} {pair.SessionA.LastError}; {pair.SessionB} {pair.SessionB.LastError}");
        Assert.Equal(9, pair.SessionA.HoldTime);
        Assert.Equal(9, pair.SessionB.HoldTime);
        Assert.Equal(new HashSet<BgpFamily> { BgpFamily.Ipv4Unicast, BgpFamily.Ipv6Unicast }, pair.SessionA.Families);

        var update = new UpdateMessage([], new PathAttributes
        {
            Origin = BgpOrigin.Igp, AsPath = [], NextHop = A, LocalPref = 2147482623,
        }, [Cidr.Parse("10.244.7.0/26")]);
        Assert.True(await pair.SessionA.SendAsync([update]));
        await Eventually.HoldsAsync(() => pair.ObserverB.Updates.Contains(update), "the UPDATE at B");
        // RFC 4271 §6.8 can close an established connection once (one side established it while the other still had
        // it in OpenConfirm); the sessions must still settle on one connection each, which the UPDATE crossed.
        Assert.Equal(BgpSessionState.Established, pair.SessionA.State);
        Assert.Equal(BgpSessionState.Established, pair.SessionB.State);
    }

    [Fact]
    public async Task A_passive_side_is_reached_by_the_active_one()
    {
        await using var pair = new Pair(64512, 64512, 64512, 90, 90, passiveA: true);

        await Eventually.HoldsAsync(() => pair.SessionA.State == BgpSessionState.Established && pair.SessionB.State == BgpSessionState.Established,
            "both sessions Established", () => $"{pair.SessionA} {pair.SessionA.LastError}; {pair.SessionB} {pair.SessionB.LastError}");
        Assert.Equal(90, pair.SessionA.HoldTime);
    }

    [Fact]
    public async Task A_peer_in_the_wrong_AS_is_refused_with_bad_peer_AS_and_never_established()
    {
        await using var pair = new Pair(64512, 65001, expectAsOfB: 64999, 90, 90);

        await Eventually.HoldsAsync(() => pair.SessionA.LastError?.Contains("bad peer AS") == true
                                          && pair.SessionB.LastError?.Contains("NOTIFICATION 2/2") == true,
            "A rejects B's OPEN and B hears why", () => $"{pair.SessionA.LastError}; {pair.SessionB.LastError}");
        Assert.Equal(0, pair.ObserverA.Established);
        Assert.Equal(0, pair.ObserverB.Established);
    }

    [Fact]
    public async Task A_disposed_side_sends_cease_and_the_other_reports_the_session_down()
    {
        var pair = new Pair(64512, 64512, 64512, 90, 90);
        try
        {
            await Eventually.HoldsAsync(() => pair.SessionA.State == BgpSessionState.Established && pair.SessionB.State == BgpSessionState.Established,
                "both sessions Established");
            await pair.SessionA.DisposeAsync();
            await Eventually.HoldsAsync(() => pair.ObserverB.Closed.Any(r => r.Contains("NOTIFICATION 6/2")), "B told of the shutdown",
                () => string.Join("; ", pair.ObserverB.Closed));
        }
        finally
        {
            await pair.DisposeAsync();
        }
    }
}
