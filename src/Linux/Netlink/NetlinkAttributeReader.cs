namespace CniNet.Linux.Netlink;

/// <summary>
/// Walks a run of netlink attributes (struct nlattr + value, each padded to 4 bytes), as found after a message's
/// fixed header or inside a nested attribute. Lengths are checked as in <see cref="NetlinkMessageReader"/>.
/// </summary>
internal ref struct NetlinkAttributeReader(ReadOnlySpan<byte> attributes)
{
    private ReadOnlySpan<byte> _rest = attributes;
    private bool _malformed;

    /// <summary>The next attribute; <paramref name="type"/> has the NLA_F_NESTED and byte-order flags masked off.</summary>
    public NetlinkReadStatus Next(out ushort type, out ReadOnlySpan<byte> value)
    {
        type = 0;
        value = default;
        if (_malformed) return NetlinkReadStatus.Malformed;
        if (_rest.IsEmpty) return NetlinkReadStatus.End;
        if (_rest.Length < Uapi.NLA_HDRLEN) return Fail();
        int length = HostOrder.ReadUInt16(_rest);
        if (length < Uapi.NLA_HDRLEN || length > _rest.Length) return Fail();
        type = (ushort)(HostOrder.ReadUInt16(_rest[2..]) & Uapi.NLA_TYPE_MASK);
        value = _rest[Uapi.NLA_HDRLEN..length];
        var next = NetlinkMessageWriter.Align(length);
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
