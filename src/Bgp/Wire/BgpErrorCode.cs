namespace CniNet.Bgp.Wire;

/// <summary>NOTIFICATION error codes and subcodes (RFC 4271 §4.5 and §6, RFC 4486 cease subcodes, RFC 7313).</summary>
public static class BgpErrorCode
{
    public const byte MessageHeader = 1;
    public const byte Open = 2;
    public const byte Update = 3;
    public const byte HoldTimerExpired = 4;
    public const byte Fsm = 5;
    public const byte Cease = 6;
    public const byte RouteRefresh = 7;

    public const byte HeaderNotSynchronized = 1;
    public const byte HeaderBadLength = 2;
    public const byte HeaderBadType = 3;

    public const byte OpenUnsupportedVersion = 1;
    public const byte OpenBadPeerAs = 2;
    public const byte OpenBadBgpIdentifier = 3;
    public const byte OpenUnsupportedOptionalParameter = 4;
    public const byte OpenUnacceptableHoldTime = 6;

    public const byte UpdateMalformedAttributeList = 1;
    public const byte UpdateUnrecognizedWellKnown = 2;
    public const byte UpdateMissingWellKnown = 3;
    public const byte UpdateAttributeFlags = 4;
    public const byte UpdateAttributeLength = 5;
    public const byte UpdateInvalidOrigin = 6;
    public const byte UpdateInvalidNextHop = 8;
    public const byte UpdateOptionalAttribute = 9;
    public const byte UpdateInvalidNetwork = 10;
    public const byte UpdateMalformedAsPath = 11;

    public const byte CeaseMaxPrefixes = 1;
    public const byte CeaseAdministrativeShutdown = 2;
    public const byte CeasePeerDeconfigured = 3;
    public const byte CeaseAdministrativeReset = 4;
    public const byte CeaseConnectionRejected = 5;
    public const byte CeaseOtherConfigurationChange = 6;
    public const byte CeaseCollisionResolution = 7;

    /// <summary>A short name for logs and <c>node status</c>.</summary>
    public static string Describe(byte code, byte subcode) => (code, subcode) switch
    {
        (MessageHeader, HeaderNotSynchronized) => "connection not synchronized",
        (MessageHeader, HeaderBadLength) => "bad message length",
        (MessageHeader, HeaderBadType) => "bad message type",
        (MessageHeader, _) => "message header error",
        (Open, OpenUnsupportedVersion) => "unsupported version number",
        (Open, OpenBadPeerAs) => "bad peer AS",
        (Open, OpenBadBgpIdentifier) => "bad BGP identifier",
        (Open, OpenUnsupportedOptionalParameter) => "unsupported optional parameter",
        (Open, OpenUnacceptableHoldTime) => "unacceptable hold time",
        (Open, _) => "OPEN message error",
        (Update, UpdateMalformedAttributeList) => "malformed attribute list",
        (Update, UpdateUnrecognizedWellKnown) => "unrecognized well-known attribute",
        (Update, UpdateMissingWellKnown) => "missing well-known attribute",
        (Update, UpdateAttributeFlags) => "attribute flags error",
        (Update, UpdateAttributeLength) => "attribute length error",
        (Update, UpdateInvalidOrigin) => "invalid ORIGIN attribute",
        (Update, UpdateInvalidNextHop) => "invalid NEXT_HOP attribute",
        (Update, UpdateOptionalAttribute) => "optional attribute error",
        (Update, UpdateInvalidNetwork) => "invalid network field",
        (Update, UpdateMalformedAsPath) => "malformed AS_PATH",
        (Update, _) => "UPDATE message error",
        (HoldTimerExpired, _) => "hold timer expired",
        (Fsm, _) => "finite state machine error",
        (Cease, CeaseMaxPrefixes) => "cease: maximum number of prefixes reached",
        (Cease, CeaseAdministrativeShutdown) => "cease: administrative shutdown",
        (Cease, CeasePeerDeconfigured) => "cease: peer de-configured",
        (Cease, CeaseAdministrativeReset) => "cease: administrative reset",
        (Cease, CeaseConnectionRejected) => "cease: connection rejected",
        (Cease, CeaseOtherConfigurationChange) => "cease: other configuration change",
        (Cease, CeaseCollisionResolution) => "cease: connection collision resolution",
        (Cease, _) => "cease",
        (RouteRefresh, _) => "ROUTE-REFRESH message error",
        _ => "unknown error",
    };
}
