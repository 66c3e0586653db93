namespace CniNet.Linux.Netlink;

/// <summary>What a reader found next: an item, the clean end of its input, or bytes that do not form an item.</summary>
internal enum NetlinkReadStatus
{
    Item,
    End,
    Malformed,
}
