using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CniNet.Linux;

/// <summary>
/// TCP MD5 signatures (RFC 2385), as BGP passwords use them: a key per peer address on a socket (setsockopt
/// TCP_MD5SIG). Set it on a connecting socket before connect, and on a listening socket for every peer that may
/// connect; accepted sockets inherit the keys. Without a matching key the kernel drops the peer's segments silently.
/// </summary>
public static class TcpMd5Signature
{
    /// <summary>TCP_MD5SIG_MAXKEYLEN in linux/tcp.h.</summary>
    public const int MaxKeyLength = 80;

    // struct tcp_md5sig: a 128-byte sockaddr_storage, flags, prefixlen, keylen (u16), ifindex (int), 80 key bytes.
    private const int StructSize = 128 + 1 + 1 + 2 + 4 + MaxKeyLength;
    private const int KeyLengthOffset = 130;
    private const int KeyOffset = 136;
    private const ushort AfInet = 2;
    private const ushort AfInet6 = 10;

    /// <summary>Installs <paramref name="password"/> as the key for <paramref name="peer"/>; null or empty removes the key (if there is one).</summary>
    /// <exception cref="LinuxException">The kernel refused.</exception>
    public static unsafe void Set(Socket socket, IPAddress peer, string? password)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(peer);
        var key = Encoding.UTF8.GetBytes(password ?? "");
        if (key.Length > MaxKeyLength) throw new ArgumentException($"a TCP MD5 key is at most {MaxKeyLength} bytes");
        // A dual-stack socket keys IPv4 peers by their v4-mapped address; the kernel files them as IPv4 keys.
        var address = socket.AddressFamily == AddressFamily.InterNetworkV6 ? peer.MapToIPv6() : peer;
        Span<byte> option = stackalloc byte[StructSize];
        option.Clear();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(option, AfInet);
            address.TryWriteBytes(option[4..], out _);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(option, AfInet6);
            address.TryWriteBytes(option[8..], out _);
        }
        BinaryPrimitives.WriteUInt16LittleEndian(option[KeyLengthOffset..], (ushort)key.Length);
        key.CopyTo(option[KeyOffset..]);
        fixed (byte* value = option)
        {
            if (Interop.Libc.SetSockOpt(socket.SafeHandle, Interop.Libc.IPPROTO_TCP, Interop.Libc.TCP_MD5SIG, value, StructSize) == 0) return;
            var error = LinuxException.FromLastError("setsockopt TCP_MD5SIG", peer.ToString());
            // The kernel answers ENOENT to removing a key it does not have: already the wanted state.
            if (key.Length == 0 && error.Errno == Errno.ENOENT) return;
            throw error;
        }
    }
}
