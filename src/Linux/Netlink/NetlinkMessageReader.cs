namespace CniNet.Linux.Netlink;

/// <summary>
/// Walks the messages of one received datagram. Every length is checked against what is left before it is used;
/// a length that does not fit makes this and every later read <see cref="NetlinkReadStatus.Malformed"/>.
/// </summary>
internal ref struct NetlinkMessageReader(ReadOnlySpan<byte> datagram)
{
    private ReadOnlySpan<byte> _rest = datagram;
    private bool _malformed;

    public NetlinkReadStatus Next(out NetlinkHeader header, out ReadOnlySpan<byte> payload)
    {
        header = default;
        payload = default;
        if (_malformed) return NetlinkReadStatus.Malformed;
        if (_rest.IsEmpty) return NetlinkReadStatus.End;
        if (_rest.Length < Uapi.NLMSG_HDRLEN) return Fail();
        var length = HostOrder.ReadUInt32(_rest);
        if (length < Uapi.NLMSG_HDRLEN || length > (uint)_rest.Length) return Fail();
        header = new NetlinkHeader(
            length,
            HostOrder.ReadUInt16(_rest[4..]),
            HostOrder.ReadUInt16(_rest[6..]),
            HostOrder.ReadUInt32(_rest[8..]),
            HostOrder.ReadUInt32(_rest[12..]));
        payload = _rest[Uapi.NLMSG_HDRLEN..(int)length];
        // The last message of a datagram may stop short of its alignment padding.
        var next = NetlinkMessageWriter.Align((int)length);
        _rest = next >= _rest.Length ? default : _rest[next..];
        return NetlinkReadStatus.Item;
    }

    private NetlinkReadStatus Fail()
    {
        _malformed = true;
        _rest = default;
        return NetlinkReadStatus.Malformed;
    }
}
