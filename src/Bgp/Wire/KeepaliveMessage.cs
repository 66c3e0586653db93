namespace CniNet.Bgp.Wire;

/// <summary>A header with no body (RFC 4271 §4.4).</summary>
public sealed record KeepaliveMessage : BgpMessage
{
    public static readonly KeepaliveMessage Instance = new();

    public override BgpMessageType Type => BgpMessageType.Keepalive;
}
