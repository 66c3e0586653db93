namespace CniNet.Bgp.Wire;

/// <summary>
/// Why a message could not be accepted: the NOTIFICATION that reports it (<see cref="Code"/>, <see cref="Subcode"/>,
/// <see cref="Data"/> as RFC 4271 §6 prescribes) and a sentence for the log.
/// </summary>
public sealed record BgpError(byte Code, byte Subcode, byte[] Data, string Reason)
{
    public NotificationMessage ToNotification() => new(Code, Subcode, Data);

    public override string ToString() => $"{Reason} ({Code}/{Subcode} {BgpErrorCode.Describe(Code, Subcode)})";

    internal static BgpError Of(byte code, byte subcode, string reason) => new(code, subcode, [], reason);

    internal static BgpError Of(byte code, byte subcode, ReadOnlySpan<byte> data, string reason) => new(code, subcode, data.ToArray(), reason);
}
