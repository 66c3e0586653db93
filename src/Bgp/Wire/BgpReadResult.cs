namespace CniNet.Bgp.Wire;

/// <summary>The outcome of <see cref="BgpCodec.Read"/>: a message, an error, or a request for more bytes, and how many bytes it used.</summary>
public readonly record struct BgpReadResult(BgpReadStatus Status, int Consumed, BgpMessage? Message, BgpError? Error)
{
    public static readonly BgpReadResult NeedMore = new(BgpReadStatus.NeedMore, 0, null, null);

    internal static BgpReadResult Of(int consumed, BgpMessage message) => new(BgpReadStatus.Message, consumed, message, null);

    internal static BgpReadResult Failed(int consumed, BgpError error) => new(BgpReadStatus.Error, consumed, null, error);
}
