namespace CniNet.Bgp.Wire;

/// <summary>An error that closes the session (RFC 4271 §4.5); the codes are in <see cref="BgpErrorCode"/>.</summary>
public sealed record NotificationMessage(byte Code, byte Subcode, byte[] Data) : BgpMessage
{
    public override BgpMessageType Type => BgpMessageType.Notification;

    public override string ToString() => $"NOTIFICATION {Code}/{Subcode} ({BgpErrorCode.Describe(Code, Subcode)}){(Data.Length > 0 ? " data " + Convert.ToHexString(Data) : "")}";

    public bool Equals(NotificationMessage? other) =>
        other is not null && Code == other.Code && Subcode == other.Subcode && Data.AsSpan().SequenceEqual(other.Data);

    public override int GetHashCode() => HashCode.Combine(Code, Subcode, Data.Length);
}
