using System.Diagnostics.CodeAnalysis;

namespace CniNet.Linux.Netlink;

/// <summary>Decodes one reply payload (after the nlmsghdr); false means the payload is malformed.</summary>
internal delegate bool ReplyParser<T>(ReadOnlySpan<byte> payload, [MaybeNullWhen(false)] out T value);
