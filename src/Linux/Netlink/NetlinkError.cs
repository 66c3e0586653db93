namespace CniNet.Linux.Netlink;

/// <summary>Reads the status that ends a request (NLMSG_ERROR: an ack or an error) or a dump (NLMSG_DONE).</summary>
internal static class NetlinkError
{
    /// <summary>
    /// NLMSG_ERROR carries struct nlmsgerr: a negative errno (0 for an ack) and the request's header, followed by
    /// the rest of the request unless NLM_F_CAPPED is set. NLMSG_DONE carries only the int. Either may then carry
    /// extended-ack attributes (NLM_F_ACK_TLVS); a malformed explanation is dropped, the status itself still stands.
    /// </summary>
    public static bool TryParse(in NetlinkHeader header, ReadOnlySpan<byte> payload, out Errno errno, out string? kernelMessage)
    {
        errno = 0;
        kernelMessage = null;
        if (header.Type == Uapi.NLMSG_DONE && payload.IsEmpty) return true;
        if (payload.Length < 4) return false;
        var error = HostOrder.ReadInt32(payload);
        if (error > 0 || error == int.MinValue) return false;
        errno = (Errno)(-error);
        if ((header.Flags & Uapi.NLM_F_ACK_TLVS) != 0 && ExplanationStart(header, payload) is { } start)
            kernelMessage = FindMessage(payload[start..]);
        return true;
    }

    private static int? ExplanationStart(in NetlinkHeader header, ReadOnlySpan<byte> payload)
    {
        if (header.Type == Uapi.NLMSG_DONE) return 4;
        if ((header.Flags & Uapi.NLM_F_CAPPED) != 0) return payload.Length >= Uapi.NLMSGERR_LEN ? Uapi.NLMSGERR_LEN : null;
        if (payload.Length < Uapi.NLMSGERR_LEN) return null;
        // The whole request is echoed: its own length says where the attributes begin.
        var echoed = HostOrder.ReadUInt32(payload[4..]);
        if (echoed < Uapi.NLMSG_HDRLEN || echoed > (uint)(payload.Length - 4)) return null;
        return Math.Min(payload.Length, 4 + NetlinkMessageWriter.Align((int)echoed));
    }

    private static string? FindMessage(ReadOnlySpan<byte> attributes)
    {
        var reader = new NetlinkAttributeReader(attributes);
        while (reader.Next(out var type, out var value) == NetlinkReadStatus.Item)
            if (type == Uapi.NLMSGERR_ATTR_MSG) return NetlinkAttribute.ReadString(value);
        return null;
    }
}
