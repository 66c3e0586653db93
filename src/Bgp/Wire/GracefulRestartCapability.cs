namespace CniNet.Bgp.Wire;

/// <summary>
/// Graceful restart (RFC 4724 §3): <paramref name="Restarting"/> is the R bit (the speaker has just restarted),
/// <paramref name="Notification"/> the N bit of RFC 8538, <paramref name="RestartTime"/> seconds (12 bits) the peer
/// should keep our routes, and per family whether forwarding state was preserved.
/// </summary>
public sealed record GracefulRestartCapability(bool Restarting, bool Notification, ushort RestartTime, IReadOnlyList<GracefulRestartFamily> Families) : Capability
{
    public const ushort MaxRestartTime = 0x0FFF;

    public override byte Code => GracefulRestartCode;

    public bool Equals(GracefulRestartCapability? other) =>
        other is not null && Restarting == other.Restarting && Notification == other.Notification && RestartTime == other.RestartTime
        && Families.SequenceEqual(other.Families);

    public override int GetHashCode() => HashCode.Combine(Restarting, Notification, RestartTime, Families.Count);
}
