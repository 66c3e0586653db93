using System.Net;
using System.Net.Sockets;
using CniNet.Bgp.Wire;

namespace CniNet.Bgp.Session;

/// <summary>One TCP connection of a session: message framing over the stream, serialised writes, and an abort that unblocks a pending read.</summary>
internal sealed class BgpConnection(Socket socket, bool outgoing) : IAsyncDisposable
{
    private readonly NetworkStream _stream = new(socket, ownsSocket: true);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _abort = new();
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private int _closed;

    /// <summary>True when this speaker opened the connection (collision detection keeps one by this, RFC 4271 §6.8).</summary>
    public bool Outgoing { get; } = outgoing;

    public OpenMessage? PeerOpen { get; set; }

    /// <summary>This end's address, the natural NEXT_HOP for routes sent on this connection.</summary>
    public IPAddress LocalAddress { get; } = Plain(((IPEndPoint)socket.LocalEndPoint!).Address);

    public bool FourOctetAs { get; set; }

    public long LastReceivedTicks { get; private set; } = Environment.TickCount64;

    public long LastSentTicks { get; private set; } = Environment.TickCount64;

    /// <summary>The next message or error; null when the peer closed the connection.</summary>
    public async Task<BgpReadResult?> ReadAsync(CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _abort.Token);
        while (true)
        {
            var result = BgpCodec.Read(_buffer.AsSpan(_start, _end - _start), FourOctetAs);
            if (result.Status != BgpReadStatus.NeedMore)
            {
                _start += result.Consumed;
                LastReceivedTicks = Environment.TickCount64;
                return result;
            }
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), linked.Token);
            if (read == 0) return null;
            _end += read;
        }
    }

    public async Task SendAsync(IEnumerable<BgpMessage> messages, CancellationToken ct = default)
    {
        var bytes = messages.SelectMany(m => BgpCodec.Encode(m, FourOctetAs)).ToArray();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _abort.Token);
        await _writeLock.WaitAsync(linked.Token);
        try
        {
            await _stream.WriteAsync(bytes, linked.Token);
            LastSentTicks = Environment.TickCount64;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public Task SendAsync(BgpMessage message, CancellationToken ct = default) => SendAsync([message], ct);

    /// <summary>Sends <paramref name="notification"/> when given (best effort, briefly) and closes; a pending read ends.</summary>
    public async Task CloseAsync(NotificationMessage? notification)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        if (notification is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await SendAsync(notification, timeout.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The peer is gone or not reading: the notification is a courtesy, closing is what matters.
            }
        }
        await _abort.CancelAsync();
        await _stream.DisposeAsync();
    }

    public ValueTask DisposeAsync() => new(CloseAsync(null));

    /// <summary>A dual-stack socket reports IPv4 peers as v4-mapped IPv6 addresses.</summary>
    internal static IPAddress Plain(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
