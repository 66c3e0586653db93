namespace CniNet.Linux.Netlink;

/// <summary>struct nlmsghdr: the 16 bytes in front of every netlink message.</summary>
internal readonly record struct NetlinkHeader(uint Length, ushort Type, ushort Flags, uint Sequence, uint PortId);
