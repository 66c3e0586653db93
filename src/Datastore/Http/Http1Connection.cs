using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace CniNet.Datastore.Http;

/// <summary>What the status line and headers said about the body that follows.</summary>
internal readonly record struct Http1Head(int Status, long? ContentLength, bool Chunked, bool KeepAlive);

/// <summary>One TCP connection with its read buffer: requests written, answers parsed as RFC 9112 frames them.</summary>
internal sealed class Http1Connection : IDisposable
{
    private const int MaxHeaderBytes = 64 * 1024;
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    private Http1Connection(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
    }

    /// <summary>False once the peer closed its side (a pooled connection the server timed out).</summary>
    public bool IsReusable => _start == _end && !(_socket.Poll(0, SelectMode.SelectRead) && _socket.Available == 0);

    /// <summary>Connects (and for https, completes the TLS handshake) within <paramref name="timeout"/>.</summary>
    public static async Task<Http1Connection> OpenAsync(Uri endpoint, TimeSpan timeout, Http1Tls? tls, CancellationToken ct)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(endpoint.Host, endpoint.Port, limit.Token);
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            socket.Dispose();
            throw new Http1ConnectException($"cannot connect to {endpoint.Authority}: {(e is SocketException s ? s.Message : "timed out")}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var network = new NetworkStream(socket, ownsSocket: true);
        if (endpoint.Scheme != Uri.UriSchemeHttps) return new Http1Connection(socket, network);
        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync((tls ?? Http1Tls.SystemRoots).Options(endpoint.IdnHost), limit.Token);
            return new Http1Connection(socket, ssl);
        }
        catch (Exception e) when (e is AuthenticationException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            await ssl.DisposeAsync();
            // Nothing was sent: a failed handshake is as much "no connection" as a refused one.
            throw new Http1ConnectException($"TLS with {endpoint.Authority} failed: {e.Message}", e);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    public async Task WriteRequestAsync(Uri endpoint, Http1Request request, CancellationToken ct)
    {
        var body = request.Body ?? [];
        var text = new StringBuilder($"{request.Method} {request.Path} HTTP/1.1\r\nHost: {endpoint.Authority}\r\nAccept: application/json\r\n");
        if (request.ContentType is not null) text.Append($"Content-Type: {request.ContentType}\r\n");
        if (request.Authorization is not null) text.Append($"Authorization: {request.Authorization}\r\n");
        if (request.Body is not null || request.Method is "POST" or "PUT" or "PATCH") text.Append($"Content-Length: {body.Length}\r\n");
        var head = Encoding.ASCII.GetBytes(text.Append("\r\n").ToString());
        var bytes = new byte[head.Length + body.Length];
        head.CopyTo(bytes, 0);
        body.CopyTo(bytes, head.Length);
        await _stream.WriteAsync(bytes, ct);
    }

    public async Task<Http1Head> ReadHeadAsync(CancellationToken ct)
    {
        var status = ParseStatus(await ReadLineAsync(ct));
        long? length = null;
        var chunked = false;
        var keepAlive = true;
        var total = 0;
        while (await ReadLineAsync(ct) is { Length: > 0 } line)
        {
            total += line.Length;
            if (total > MaxHeaderBytes) throw new IOException("HTTP headers longer than 64 KiB");
            var colon = line.IndexOf(':');
            if (colon <= 0) throw new IOException($"malformed HTTP header \"{line}\"");
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                length = long.TryParse(value, out var n) && n >= 0 ? n : throw new IOException($"bad Content-Length \"{value}\"");
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                keepAlive = !value.Equals("close", StringComparison.OrdinalIgnoreCase);
        }
        // Without a length or chunking the body runs to the end of the connection, which then cannot be reused.
        return new Http1Head(status, chunked ? null : length, chunked, keepAlive && (chunked || length is not null));
    }

    public async Task<byte[]> ReadBodyAsync(Http1Head head, CancellationToken ct)
    {
        await using var body = BodyStream(head, ownsConnection: false);
        using var content = new MemoryStream();
        await body.CopyToAsync(content, ct);
        return content.ToArray();
    }

    /// <summary>The body as a stream: by length, chunked, or to the end of the connection.</summary>
    public Stream BodyStream(Http1Head head, bool ownsConnection = true) => new BodyReader(this, head, ownsConnection);

    private static int ParseStatus(string line)
    {
        // "HTTP/1.1 200 OK"
        var parts = line.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(parts[1], out var status))
            throw new IOException($"not an HTTP/1.x status line: \"{line}\"");
        return status;
    }

    private async Task<bool> FillAsync(CancellationToken ct)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) throw new IOException("HTTP line longer than the read buffer");
        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), ct);
        _end += read;
        return read > 0;
    }

    private async Task<string> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var at = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (at >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, at - _start).TrimEnd('\r');
                _start = at + 1;
                return line;
            }
            if (!await FillAsync(ct)) throw new IOException("the connection closed in the middle of an HTTP answer");
        }
    }

    /// <summary>Up to <paramref name="destination"/>.Length buffered or freshly read bytes; 0 at the end of the connection.</summary>
    private async ValueTask<int> ReadSomeAsync(Memory<byte> destination, CancellationToken ct)
    {
        if (_start == _end && !await FillAsync(ct)) return 0;
        var n = Math.Min(destination.Length, _end - _start);
        _buffer.AsMemory(_start, n).CopyTo(destination);
        _start += n;
        return n;
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>Reads one answer's body, undoing the framing; at its end the connection is ready for the next request.</summary>
    private sealed class BodyReader(Http1Connection connection, Http1Head head, bool ownsConnection) : Stream
    {
        private long _left = head.Chunked ? 0 : head.ContentLength ?? long.MaxValue;
        private bool _done = head is { Chunked: false, ContentLength: 0 };

        public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct = default)
        {
            if (_done || destination.Length == 0) return 0;
            if (head.Chunked && _left == 0)
            {
                var size = await connection.ReadLineAsync(ct);
                var hex = size.Split(';')[0].Trim();
                if (!long.TryParse(hex, System.Globalization.NumberStyles.HexNumber, null, out _left) || _left < 0)
                    throw new IOException($"bad chunk size \"{size}\"");
                if (_left == 0)
                {
                    // The last chunk, then trailers up to an empty line.
                    while ((await connection.ReadLineAsync(ct)).Length > 0)
                    {
                    }
                    _done = true;
                    return 0;
                }
            }
            var read = await connection.ReadSomeAsync(destination[..(int)Math.Min(destination.Length, _left)], ct);
            if (read == 0)
            {
                if (head.ContentLength is null && !head.Chunked)
                {
                    _done = true;
                    return 0;
                }
                throw new IOException("the connection closed in the middle of an HTTP body");
            }
            _left -= read;
            if (head.Chunked && _left == 0) await connection.ReadLineAsync(ct);
            else if (!head.Chunked && _left == 0) _done = true;
            return read;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing && ownsConnection) connection.Dispose();
            base.Dispose(disposing);
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
