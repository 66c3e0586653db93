using System.Buffers;
using System.Runtime.InteropServices;

namespace CniNet.Linux.Netlink;

/// <summary>
/// A netlink socket used strictly request/response: one request at a time, its replies recognised by sequence
/// number, everything else (late replies to an abandoned request, messages not from the kernel) skipped. Every
/// request asks for an acknowledgement, so success is confirmed rather than assumed. Blocking, on the calling
/// thread; not thread-safe.
/// </summary>
internal sealed class NetlinkSocket : IDisposable
{
    // The kernel sizes dump datagrams to the reader's previous buffer, capped near 32 KiB (netlink_dump), and a
    // single reply is far smaller; a datagram beyond this is reported rather than read cut short.
    private const int ReceiveBufferSize = 64 * 1024;

    // Requests per datagram of ExecuteMany: every one of them may fail, and each error is a socket buffer of up to
    // about 1.5 KiB queued at once, which must fit the default receive buffer (212992 bytes) or the kernel drops it.
    private const int BatchSize = 128;

    // A dump that overlaps a change is flagged NLM_F_DUMP_INTR and may be inconsistent; it is simply repeated.
    private const int DumpAttempts = 3;

    private readonly SafeFdHandle _fd;
    private readonly NetlinkMessageWriter _writer = new();
    private byte[] _receive = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
    private uint _sequence;
    private int _sendBufferSize;

    private NetlinkSocket(SafeFdHandle fd) => _fd = fd;

    /// <summary>A socket of <paramref name="protocol"/> in the calling thread's network namespace, for good.</summary>
    public static unsafe NetlinkSocket Open(int protocol)
    {
        var fd = Interop.Libc.Socket(Interop.Libc.AF_NETLINK, Interop.Libc.SOCK_RAW | Interop.Libc.SOCK_CLOEXEC, protocol);
        if (fd.IsInvalid)
        {
            var error = LinuxException.FromLastError("socket", $"AF_NETLINK protocol {protocol}");
            fd.Dispose();
            throw error;
        }
        try
        {
            // Port id 0 lets the kernel pick a unique one.
            var local = new Interop.Libc.SockAddrNetlink { Family = Interop.Libc.AF_NETLINK };
            if (Interop.Libc.Bind(fd, &local, sizeof(Interop.Libc.SockAddrNetlink)) != 0)
                throw LinuxException.FromLastError("bind", $"AF_NETLINK protocol {protocol}");
            // Both are optional comforts (short acks, the kernel's reason for an error); kernels before 4.12 refuse
            // the second, which only costs the explanation.
            var on = 1;
            Interop.Libc.SetSockOpt(fd, Interop.Libc.SOL_NETLINK, Interop.Libc.NETLINK_CAP_ACK, &on, sizeof(int));
            Interop.Libc.SetSockOpt(fd, Interop.Libc.SOL_NETLINK, Interop.Libc.NETLINK_EXT_ACK, &on, sizeof(int));
        }
        catch
        {
            fd.Dispose();
            throw;
        }
        return new NetlinkSocket(fd);
    }

    /// <summary>Starts a request (NLM_F_REQUEST | NLM_F_ACK | <paramref name="flags"/>); the caller writes its payload.</summary>
    public NetlinkMessageWriter BeginRequest(ushort type, ushort flags)
    {
        _writer.Clear();
        _writer.BeginMessage(type, (ushort)(flags | Uapi.NLM_F_REQUEST | Uapi.NLM_F_ACK), ++_sequence);
        return _writer;
    }

    /// <summary>Sends the request begun with <see cref="BeginRequest"/> and waits for its acknowledgement.</summary>
    /// <param name="target">Describes the object for the error message; only called on failure.</param>
    public void Execute(string operation, Func<string> target)
    {
        var (error, kernelMessage) = Exchange<byte>(0, null, null, operation, out _);
        if (error != 0) throw new LinuxException(error, operation, target(), kernelMessage);
    }

    /// <summary>As <see cref="Execute(string, Func{string})"/>, but the kernel answering <paramref name="absent"/> returns false.</summary>
    public bool Execute(string operation, Func<string> target, Errno absent)
    {
        var (error, kernelMessage) = Exchange<byte>(0, null, null, operation, out _);
        if (error == absent) return false;
        if (error != 0) throw new LinuxException(error, operation, target(), kernelMessage);
        return true;
    }

    /// <summary>
    /// Sends <paramref name="count"/> requests, <see cref="BatchSize"/> to a datagram with only the last of each asking
    /// for an ack, and reads each datagram's answers before the next: the kernel handles a datagram's messages in order
    /// and answers the others only with an error, so one ack means every message before it was handled.
    /// </summary>
    /// <param name="header">Request <c>i</c>'s message type and flags (NLM_F_REQUEST and the ack are added).</param>
    /// <param name="payload">Writes request <c>i</c>'s payload.</param>
    /// <param name="failed">Called with the index of every refused request, its errno and the kernel's explanation; it must not use this socket.</param>
    public void ExecuteMany(int count, Func<int, (ushort Type, ushort Flags)> header, Action<int, NetlinkMessageWriter> payload,
        Action<int, Errno, string?> failed, string operation)
    {
        for (var start = 0; start < count; start += BatchSize)
        {
            var end = Math.Min(count, start + BatchSize);
            var first = _sequence + 1;
            _writer.Clear();
            for (var i = start; i < end; i++)
            {
                var (type, flags) = header(i);
                _writer.BeginMessage(type, (ushort)(flags | Uapi.NLM_F_REQUEST | (i == end - 1 ? Uapi.NLM_F_ACK : 0)), ++_sequence);
                payload(i, _writer);
                _writer.EndMessage();
            }
            Send(_writer.Written, operation);
            var final = _sequence;
            var done = false;
            while (!done)
            {
                var reader = new NetlinkMessageReader(Receive(operation));
                NetlinkReadStatus status;
                while ((status = reader.Next(out var reply, out var body)) == NetlinkReadStatus.Item)
                {
                    var index = reply.Sequence - first;
                    if (reply.Type != Uapi.NLMSG_ERROR || index >= (uint)(end - start)) continue;
                    if (!NetlinkError.TryParse(reply, body, out var error, out var kernelMessage)) throw Malformed(operation);
                    if (error != 0) failed(start + (int)index, error, kernelMessage);
                    if (reply.Sequence == final) done = true;
                }
                if (status == NetlinkReadStatus.Malformed) throw Malformed(operation);
            }
        }
    }

    /// <summary>
    /// Sends an nfnetlink batch (BATCH_BEGIN, messages, BATCH_END) as one datagram and reports every message the kernel
    /// refused. The kernel handles the whole batch, commit or abort included, inside the send, so every answer is
    /// queued when it returns: they are read without waiting until none is left, as nft does. Messages carry no
    /// NLM_F_ACK, so a batch of 100,000 rules queues no acks, only errors; nothing back means it was committed.
    /// </summary>
    /// <param name="failed">Called with the sequence number of each refused message (a failed commit answers on BATCH_BEGIN's).</param>
    public unsafe void SendBatch(ReadOnlySpan<byte> batch, Action<uint, Errno, string?> failed, string operation)
    {
        // One datagram must carry the whole batch; the default send buffer (212992 bytes) holds about 1,000 rules.
        var size = batch.Length + 4096;
        if (size > _sendBufferSize)
        {
            if (Interop.Libc.SetSockOpt(_fd, Interop.Libc.SOL_SOCKET, Interop.Libc.SO_SNDBUFFORCE, &size, sizeof(int)) != 0)
                throw LinuxException.FromLastError("setsockopt SO_SNDBUFFORCE", operation);
            _sendBufferSize = size;
        }
        Send(batch, operation);
        while (TryReceiveQueued(operation, out var overrun) is { } datagram)
        {
            // Only answers to this batch come here, and only errors are sent: losing some means it failed.
            if (overrun) failed(0, Errno.ENOBUFS, "answers to the batch overflowed the receive buffer");
            var reader = new NetlinkMessageReader(datagram.Span);
            NetlinkReadStatus status;
            while ((status = reader.Next(out var reply, out var body)) == NetlinkReadStatus.Item)
            {
                if (reply.Type != Uapi.NLMSG_ERROR) continue;
                if (!NetlinkError.TryParse(reply, body, out var error, out var kernelMessage)) throw Malformed(operation);
                if (error != 0) failed(reply.Sequence, error, kernelMessage);
            }
            if (status == NetlinkReadStatus.Malformed) throw Malformed(operation);
        }
    }

    /// <summary>Sends the begun request and returns its one reply of <paramref name="replyType"/>, or null on <paramref name="absent"/>.</summary>
    public T? Get<T>(ushort replyType, ReplyParser<T> parse, string operation, Func<string> target, Errno absent)
        where T : class
    {
        var replies = new List<T>(1);
        var (error, kernelMessage) = Exchange(replyType, parse, replies, operation, out _);
        if (error == absent) return null;
        if (error != 0) throw new LinuxException(error, operation, target(), kernelMessage);
        return replies.Count == 1 ? replies[0] : throw new LinuxException(Errno.EBADMSG, operation, target(), $"{replies.Count} replies instead of one");
    }

    /// <summary>Dumps every object of a kind (NLM_F_DUMP) and decodes the replies of <paramref name="replyType"/>.</summary>
    /// <param name="writeRequest">Writes the request's payload (the family header and any attributes).</param>
    public List<T> Dump<T>(ushort requestType, Action<NetlinkMessageWriter> writeRequest, ushort replyType, ReplyParser<T> parse, string operation)
    {
        for (var attempt = 1; ; attempt++)
        {
            _writer.Clear();
            _writer.BeginMessage(requestType, Uapi.NLM_F_REQUEST | Uapi.NLM_F_DUMP, ++_sequence);
            writeRequest(_writer);
            var replies = new List<T>();
            var (error, kernelMessage) = Exchange(replyType, parse, replies, operation, out var interrupted);
            if (error != 0) throw new LinuxException(error, operation, "dump", kernelMessage);
            if (!interrupted) return replies;
            if (attempt == DumpAttempts)
                throw new LinuxException(Errno.EINTR, operation, "dump", $"interrupted by concurrent changes {DumpAttempts} times");
        }
    }

    public void Dispose()
    {
        _fd.Dispose();
        _writer.Dispose();
        var buffer = _receive;
        _receive = [];
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>
    /// Sends the one open message and reads until its final status: NLMSG_ERROR (an ack when the error is 0) ends a
    /// request, NLMSG_DONE ends a dump, and a dump can also end early with NLMSG_ERROR.
    /// </summary>
    private (Errno Error, string? KernelMessage) Exchange<T>(
        ushort replyType, ReplyParser<T>? parse, List<T>? replies, string operation, out bool interrupted)
    {
        _writer.EndMessage();
        var sequence = _sequence;
        Send(_writer.Written, operation);
        interrupted = false;
        while (true)
        {
            var reader = new NetlinkMessageReader(Receive(operation));
            NetlinkReadStatus status;
            while ((status = reader.Next(out var header, out var payload)) == NetlinkReadStatus.Item)
            {
                if (header.Sequence != sequence) continue;
                if ((header.Flags & Uapi.NLM_F_DUMP_INTR) != 0) interrupted = true;
                if (header.Type is Uapi.NLMSG_ERROR or Uapi.NLMSG_DONE)
                {
                    return NetlinkError.TryParse(header, payload, out var error, out var kernelMessage)
                        ? (error, kernelMessage)
                        : throw Malformed(operation);
                }
                if (header.Type != replyType || parse is null) continue;
                if (!parse(payload, out var value)) throw Malformed(operation);
                replies!.Add(value);
            }
            if (status == NetlinkReadStatus.Malformed) throw Malformed(operation);
        }
    }

    private unsafe void Send(ReadOnlySpan<byte> message, string operation)
    {
        var kernel = new Interop.Libc.SockAddrNetlink { Family = Interop.Libc.AF_NETLINK };
        nint sent;
        fixed (byte* bytes = message)
        {
            do sent = Interop.Libc.SendTo(_fd, bytes, (nuint)message.Length, 0, &kernel, sizeof(Interop.Libc.SockAddrNetlink));
            while (sent < 0 && Marshal.GetLastPInvokeError() == (int)Errno.EINTR);
        }
        if (sent < 0) throw LinuxException.FromLastError("sendto", operation);
    }

    /// <summary>
    /// The next datagram already queued, or null when none is. More answers than the receive buffer holds are
    /// dropped by the kernel, which the next read reports once (ENOBUFS): <paramref name="overrun"/>, with an empty datagram.
    /// </summary>
    private unsafe ReadOnlyMemory<byte>? TryReceiveQueued(string operation, out bool overrun)
    {
        overrun = false;
        Interop.Libc.SockAddrNetlink sender;
        nint received;
        fixed (byte* buffer = _receive)
        {
            int senderLength;
            do
            {
                senderLength = sizeof(Interop.Libc.SockAddrNetlink);
                received = Interop.Libc.RecvFrom(
                    _fd, buffer, (nuint)_receive.Length, Interop.Libc.MSG_TRUNC | Interop.Libc.MSG_DONTWAIT, &sender, &senderLength);
            }
            while (received < 0 && Marshal.GetLastPInvokeError() == (int)Errno.EINTR);
        }
        if (received < 0)
        {
            var errno = (Errno)Marshal.GetLastPInvokeError();
            if (errno == Errno.EAGAIN) return null;
            overrun = errno == Errno.ENOBUFS;
            if (overrun) return ReadOnlyMemory<byte>.Empty;
            throw new LinuxException(errno, "recvfrom", operation);
        }
        if (received > _receive.Length) throw new LinuxException(Errno.EMSGSIZE, operation, "reply", $"a {received}-byte datagram");
        return sender.PortId == 0 ? _receive.AsMemory(0, (int)received) : ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>The next datagram from the kernel; datagrams from other sockets come back empty.</summary>
    private unsafe ReadOnlySpan<byte> Receive(string operation)
    {
        Interop.Libc.SockAddrNetlink sender;
        nint received;
        fixed (byte* buffer = _receive)
        {
            int senderLength;
            do
            {
                senderLength = sizeof(Interop.Libc.SockAddrNetlink);
                received = Interop.Libc.RecvFrom(_fd, buffer, (nuint)_receive.Length, Interop.Libc.MSG_TRUNC, &sender, &senderLength);
            }
            while (received < 0 && Marshal.GetLastPInvokeError() == (int)Errno.EINTR);
        }
        if (received < 0) throw LinuxException.FromLastError("recvfrom", operation);
        if (received > _receive.Length) throw new LinuxException(Errno.EMSGSIZE, operation, "reply", $"a {received}-byte datagram");
        return sender.PortId == 0 ? _receive.AsSpan(0, (int)received) : default;
    }

    private static LinuxException Malformed(string operation) => new(Errno.EBADMSG, operation, "reply", "malformed netlink message");
}
