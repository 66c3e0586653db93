using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using CniNet.Bgp.Wire;

namespace CniNet.Bgp.Session;

/// <summary>
/// A BGP session with one peer (RFC 4271 §8): connects (unless passive) and accepts the peer's connections, runs the
/// OPEN exchange with collision detection (§6.8), then keeps the session with keepalives at a third of the
/// negotiated hold time, passing UPDATEs to the observer. After any failure it goes back to Idle and retries after
/// the connect retry time, until disposed.
/// </summary>
public sealed class BgpSession : IAsyncDisposable
{
    /// <summary>RFC 4271 §8.2.2 suggests a large hold timer (4 minutes) while waiting for the peer's OPEN.</summary>
    private static readonly TimeSpan OpenWait = TimeSpan.FromMinutes(4);

    private readonly Channel<Socket> _incoming = Channel.CreateUnbounded<Socket>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<BgpConnection> _handshakes = [];
    private readonly IBgpSessionObserver _observer;
    private Task<Socket>? _nextIncoming;
    private BgpConnection? _established;
    private Task? _run;
    private int _disposed;
    private bool _holdTimerExpired;

    public BgpSession(BgpPeerConfig peer, BgpSessionSettings settings, IBgpSessionObserver observer)
    {
        Peer = peer;
        Settings = settings;
        _observer = observer;
    }

    public BgpPeerConfig Peer { get; }

    public BgpSessionSettings Settings { get; }

    public BgpSessionState State { get; private set; } = BgpSessionState.Idle;

    /// <summary>When <see cref="State"/> last changed.</summary>
    public DateTimeOffset Since { get; private set; } = DateTimeOffset.UtcNow;

    /// <summary>Why the session last failed, for status output.</summary>
    public string? LastError { get; private set; }

    /// <summary>The peer's OPEN of the current session (null unless Established).</summary>
    public OpenMessage? PeerOpen { get; private set; }

    public ushort HoldTime { get; private set; }

    /// <summary>This end's address on the established connection.</summary>
    public IPAddress? LocalAddress { get; private set; }

    /// <summary>The families both sides announced.</summary>
    public IReadOnlySet<BgpFamily> Families { get; private set; } = new HashSet<BgpFamily>();

    public bool IsInternal => Peer.As == Settings.LocalAs;

    public void Start() => _run ??= Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Hands over a connection the listener accepted from this peer's address.</summary>
    internal void Accept(Socket socket)
    {
        if (!_incoming.Writer.TryWrite(socket)) socket.Dispose();
    }

    /// <summary>Sends the messages on the established connection; false when the session is not Established.</summary>
    public async Task<bool> SendAsync(IReadOnlyList<BgpMessage> messages, CancellationToken ct = default)
    {
        var connection = _established;
        if (connection is null) return false;
        try
        {
            await connection.SendAsync(messages, ct);
            return true;
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_established is { } connection)
            await connection.CloseAsync(new NotificationMessage(BgpErrorCode.Cease, BgpErrorCode.CeaseAdministrativeShutdown, []));
        await _stop.CancelAsync();
        if (_run is not null) await _run;
        while (_incoming.Reader.TryRead(out var socket)) socket.Dispose();
        _stop.Dispose();
    }

    public override string ToString() => $"{Peer.Name} ({Peer.Address} AS {Peer.As}) {State}";

    private async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var connection = await EstablishAsync(ct);
                await RunEstablishedAsync(connection, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // This loop is the session's only supervisor: a fault (say in the speaker's handling of a route) must
                // cost one connection, not the peering for the life of the process.
                LastError = $"internal error: {e.Message}";
            }
            SetState(BgpSessionState.Idle);
            try
            {
                await Task.Delay(Settings.ConnectRetry, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        SetState(BgpSessionState.Idle);
    }

    /// <summary>Connect and Active: connection attempts and accepted connections race through the OPEN exchange; the first to finish wins.</summary>
    private async Task<BgpConnection> EstablishAsync(CancellationToken ct)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pending = new List<Task<BgpConnection?>>();
        var outgoing = (Task<BgpConnection?>?)null;
        var retry = Peer.Passive ? Task.Delay(Timeout.Infinite, ct) : Task.CompletedTask;
        SetState(Peer.Passive ? BgpSessionState.Active : BgpSessionState.Connect);
        try
        {
            while (true)
            {
                _nextIncoming ??= _incoming.Reader.ReadAsync(ct).AsTask();
                var done = await Task.WhenAny(pending.Cast<Task>().Append(_nextIncoming).Append(retry));
                ct.ThrowIfCancellationRequested();
                if (done == _nextIncoming)
                {
                    var socket = await _nextIncoming;
                    _nextIncoming = null;
                    pending.Add(HandshakeAsync(new BgpConnection(socket, outgoing: false), attempt.Token));
                }
                else if (done == retry)
                {
                    if (outgoing is null) pending.Add(outgoing = ConnectAsync(attempt.Token));
                    retry = Task.Delay(Settings.ConnectRetry, ct);
                }
                else
                {
                    var task = (Task<BgpConnection?>)done;
                    pending.Remove(task);
                    if (task == outgoing) outgoing = null;
                    if (await task is { } won) return won;
                    if (pending.Count == 0) SetState(Peer.Passive ? BgpSessionState.Active : BgpSessionState.Connect);
                }
            }
        }
        finally
        {
            // The winner is out of the handshake list by now; whatever else is in flight lost.
            await attempt.CancelAsync();
            List<BgpConnection> losers;
            lock (_gate) losers = [.. _handshakes];
            foreach (var loser in losers)
                await loser.CloseAsync(new NotificationMessage(BgpErrorCode.Cease, BgpErrorCode.CeaseCollisionResolution, []));
            foreach (var task in pending)
            {
                try
                {
                    if (await task is { } late) await late.CloseAsync(new NotificationMessage(BgpErrorCode.Cease, BgpErrorCode.CeaseCollisionResolution, []));
                }
                catch (OperationCanceledException)
                {
                    // Cancelled above, as intended.
                }
            }
        }
    }

    private async Task<BgpConnection?> ConnectAsync(CancellationToken ct)
    {
        var socket = Settings.CreateSocket(Peer.Address.AddressFamily);
        try
        {
            if (!string.IsNullOrEmpty(Peer.Password)) Linux.TcpMd5Signature.Set(socket, Peer.Address, Peer.Password);
            if (Peer.SourceAddress is { } source) socket.Bind(new IPEndPoint(source, 0));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Settings.ConnectRetry);
            await socket.ConnectAsync(new IPEndPoint(Peer.Address, Peer.Port), timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or Linux.LinuxException && !ct.IsCancellationRequested)
        {
            socket.Dispose();
            LastError = e is OperationCanceledException ? "connect timed out" : e.Message;
            return null;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return await HandshakeAsync(new BgpConnection(socket, outgoing: true), ct);
    }

    /// <summary>OpenSent, then OpenConfirm, then the peer's KEEPALIVE; null when this connection failed or lost a collision.</summary>
    private async Task<BgpConnection?> HandshakeAsync(BgpConnection connection, CancellationToken ct)
    {
        lock (_gate) _handshakes.Add(connection);
        try
        {
            await connection.SendAsync(Settings.Open(), ct);
            SetStateAtLeast(BgpSessionState.OpenSent);
            using var openWait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            openWait.CancelAfter(OpenWait);
            var open = await connection.ReadAsync(openWait.Token);
            if (await Expect(connection, open, BgpMessageType.Open) is not OpenMessage peerOpen) return null;
            if (Validate(peerOpen) is { } error)
            {
                return await Fail(connection, error.ToNotification(), $"rejected the peer's OPEN: {error}");
            }
            if (ResolveCollision(connection, peerOpen) is { } loser)
            {
                await loser.CloseAsync(new NotificationMessage(BgpErrorCode.Cease, BgpErrorCode.CeaseCollisionResolution, []));
                if (loser == connection) return null;
            }
            connection.FourOctetAs = peerOpen.SupportsFourOctetAs;
            await connection.SendAsync(KeepaliveMessage.Instance, ct);
            SetStateAtLeast(BgpSessionState.OpenConfirm);
            var hold = Negotiate(peerOpen.HoldTime);
            using var keepaliveWait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (hold > 0) keepaliveWait.CancelAfter(TimeSpan.FromSeconds(hold));
            var keepalive = await connection.ReadAsync(keepaliveWait.Token);
            if (await Expect(connection, keepalive, BgpMessageType.Keepalive) is null) return null;
            return connection;
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException && !ct.IsCancellationRequested)
        {
            return await Fail(connection, null, e is OperationCanceledException ? "the peer did not answer in time" : e.Message);
        }
        catch
        {
            await connection.CloseAsync(null);
            throw;
        }
        finally
        {
            lock (_gate) _handshakes.Remove(connection);
        }
    }

    /// <summary>The message when it has the expected type; otherwise closes with the right NOTIFICATION and returns null.</summary>
    private async Task<BgpMessage?> Expect(BgpConnection connection, BgpReadResult? read, BgpMessageType type)
    {
        switch (read)
        {
            case null:
                await Fail(connection, null, "the peer closed the connection");
                return null;
            case { Status: BgpReadStatus.Error, Error: { } error }:
                await Fail(connection, error.ToNotification(), $"malformed message from the peer: {error}");
                return null;
            case { Message: NotificationMessage notification }:
                await Fail(connection, null, $"the peer sent {notification}");
                return null;
            case { Message: { } message } when message.Type == type:
                return message;
            default:
                // RFC 6608 subcodes: 1 in OpenSent, 2 in OpenConfirm.
                await Fail(connection, new NotificationMessage(BgpErrorCode.Fsm, type == BgpMessageType.Open ? (byte)1 : (byte)2, []),
                    $"expected {type}, got {read.Value.Message!.Type}");
                return null;
        }
    }

    private async Task<BgpConnection?> Fail(BgpConnection connection, NotificationMessage? notification, string reason)
    {
        LastError = reason;
        await connection.CloseAsync(notification);
        return null;
    }

    private BgpError? Validate(OpenMessage open)
    {
        if (open.As != Peer.As)
        {
            var data = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(data, open.MyAs);
            return new BgpError(BgpErrorCode.Open, BgpErrorCode.OpenBadPeerAs, data, $"the peer's AS is {open.As}, configured {Peer.As}");
        }
        if (IsInternal && open.BgpIdentifier.Equals(Settings.RouterId))
            return new BgpError(BgpErrorCode.Open, BgpErrorCode.OpenBadBgpIdentifier, [], $"the peer has our router id {open.BgpIdentifier}");
        return null;
    }

    /// <summary>
    /// RFC 4271 §6.8: with the peer's OPEN on two connections, the one initiated by the speaker with the higher BGP
    /// identifier survives. A connection that collides with an established session loses.
    /// </summary>
    private BgpConnection? ResolveCollision(BgpConnection connection, OpenMessage open)
    {
        lock (_gate)
        {
            if (_established is not null) return connection;
            var other = _handshakes.FirstOrDefault(c => c != connection && c.PeerOpen is not null);
            connection.PeerOpen = open;
            if (other is null) return null;
            var keepRemoteInitiated = Id(Settings.RouterId) < Id(open.BgpIdentifier);
            return connection.Outgoing == keepRemoteInitiated ? connection : other;
        }
    }

    private static uint Id(IPAddress address) => BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());

    private ushort Negotiate(ushort peerHoldTime) => Math.Min(Settings.HoldTime, peerHoldTime);

    private async Task RunEstablishedAsync(BgpConnection connection, CancellationToken ct)
    {
        var open = connection.PeerOpen!;
        HoldTime = Negotiate(open.HoldTime);
        Families = Settings.Families.Where(open.Families.Contains).ToHashSet();
        PeerOpen = open;
        LocalAddress = connection.LocalAddress;
        lock (_gate) _established = connection;
        SetState(BgpSessionState.Established);
        LastError = null;
        _holdTimerExpired = false;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var timers = KeepTimersAsync(connection, stop.Token);
        string reason;
        bool abrupt;
        try
        {
            await _observer.EstablishedAsync(this);
            (reason, abrupt) = await ReadUpdatesAsync(connection, stop.Token);
        }
        catch (Exception e)
        {
            // A reset connection is abrupt; our own stop, an expired hold timer (we sent a NOTIFICATION) and a fault of
            // our own are not, so the peer's routes go at once.
            var stopping = ct.IsCancellationRequested || Volatile.Read(ref _disposed) != 0;
            abrupt = !stopping && !_holdTimerExpired && e is IOException or SocketException or OperationCanceledException or ObjectDisposedException;
            reason = stopping ? "stopped" : LastError ?? e.Message;
        }
        finally
        {
            await stop.CancelAsync();
            await timers;
            lock (_gate) _established = null;
            PeerOpen = null;
            await connection.CloseAsync(null);
        }
        // Reported whatever ended the session, so the speaker always takes the peer's routes out of the kernel.
        LastError = reason;
        SetState(BgpSessionState.Idle);
        await _observer.ClosedAsync(this, reason, abrupt);
    }

    /// <summary>Why the session ended, and whether it ended without a NOTIFICATION (RFC 4724 §4.2: the peer may be restarting).</summary>
    private async Task<(string Reason, bool Abrupt)> ReadUpdatesAsync(BgpConnection connection, CancellationToken ct)
    {
        while (true)
        {
            var read = connection.ReadAsync(ct);
            while (true)
            {
                _nextIncoming ??= _incoming.Reader.ReadAsync(ct).AsTask();
                if (await Task.WhenAny(read, _nextIncoming) == read) break;
                // A connection that collides with an established session is closed (RFC 4271 §6.8).
                await new BgpConnection(await _nextIncoming, outgoing: false)
                    .CloseAsync(new NotificationMessage(BgpErrorCode.Cease, BgpErrorCode.CeaseCollisionResolution, []));
                _nextIncoming = null;
            }
            switch (await read)
            {
                case null:
                    return ("the peer closed the connection", true);
                case { Status: BgpReadStatus.Error, Error: { } error }:
                    await connection.CloseAsync(error.ToNotification());
                    return ($"malformed message from the peer: {error}", false);
                case { Message: UpdateMessage update }:
                    await _observer.ReceivedAsync(this, update);
                    break;
                case { Message: RouteRefreshMessage refresh }:
                    await _observer.RefreshRequestedAsync(this, new BgpFamily(refresh.Afi, refresh.Safi));
                    break;
                case { Message: NotificationMessage notification }:
                    return ($"the peer sent {notification}", false);
                case { Message: OpenMessage }:
                    // RFC 6608: subcode 3, unexpected message in Established.
                    await connection.CloseAsync(new NotificationMessage(BgpErrorCode.Fsm, 3, []));
                    return ("the peer sent OPEN on an established session", false);
            }
        }
    }

    /// <summary>Sends KEEPALIVEs at a third of the hold time and ends the session when the peer is silent for the hold time.</summary>
    private async Task KeepTimersAsync(BgpConnection connection, CancellationToken ct)
    {
        if (HoldTime == 0) return;
        var hold = HoldTime * 1000L;
        var keepalive = hold / 3;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(500, keepalive / 2)), ct);
                var now = Environment.TickCount64;
                if (now - connection.LastReceivedTicks > hold)
                {
                    LastError = "hold timer expired";
                    _holdTimerExpired = true;
                    await connection.CloseAsync(new NotificationMessage(BgpErrorCode.HoldTimerExpired, 0, []));
                    return;
                }
                if (now - connection.LastSentTicks >= keepalive) await connection.SendAsync(KeepaliveMessage.Instance, ct);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The read loop sees the same failure and ends the session.
        }
    }

    private void SetState(BgpSessionState state)
    {
        if (State == state) return;
        State = state;
        Since = DateTimeOffset.UtcNow;
    }

    /// <summary>With several connections in flight the session shows the furthest one's state.</summary>
    private void SetStateAtLeast(BgpSessionState state)
    {
        if (state > State) SetState(state);
    }
}
