namespace CniNet.Bgp.Wire;

/// <summary>One BGP message; <see cref="BgpCodec"/> reads and writes them.</summary>
public abstract record BgpMessage
{
    public abstract BgpMessageType Type { get; }
}
