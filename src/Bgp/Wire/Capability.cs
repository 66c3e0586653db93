namespace CniNet.Bgp.Wire;

/// <summary>One capability of an OPEN's capabilities parameter (RFC 5492).</summary>
public abstract record Capability
{
    public const byte MultiprotocolCode = 1;
    public const byte RouteRefreshCode = 2;
    public const byte GracefulRestartCode = 64;
    public const byte FourOctetAsCode = 65;

    public abstract byte Code { get; }
}
