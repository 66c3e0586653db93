using System.Net;
using System.Net.Sockets;
using CniNet.Bgp.Wire;

namespace CniNet.Bgp.Session;

/// <summary>What this speaker says about itself in every session.</summary>
public sealed record BgpSessionSettings(uint LocalAs, IPAddress RouterId)
{
    /// <summary>BIRD's default, which Calico keeps; the session uses the smaller of this and the peer's (RFC 4271 §4.2).</summary>
    public ushort HoldTime { get; init; } = 240;

    /// <summary>Calico renders <c>connect retry time 5</c>.</summary>
    public TimeSpan ConnectRetry { get; init; } = TimeSpan.FromSeconds(5);

    public IReadOnlyList<BgpFamily> Families { get; init; } = [BgpFamily.Ipv4Unicast, BgpFamily.Ipv6Unicast];

    /// <summary>The restart time announced in the graceful restart capability (RFC 4724); 0 announces none.</summary>
    public ushort GracefulRestartTime { get; init; } = 120;

    /// <summary>Makes the TCP sockets; a caller running the speaker for another network namespace opens them there.</summary>
    public Func<AddressFamily, Socket> CreateSocket { get; init; } = family => new Socket(family, SocketType.Stream, ProtocolType.Tcp);

    /// <summary>The OPEN this speaker sends: every family, route refresh, 4-octet AS, and graceful restart when enabled.</summary>
    public OpenMessage Open()
    {
        var capabilities = new List<Capability>();
        capabilities.AddRange(Families.Select(f => new MultiprotocolCapability(f)));
        capabilities.Add(RouteRefreshCapability.Instance);
        capabilities.Add(new FourOctetAsCapability(LocalAs));
        if (GracefulRestartTime > 0)
            capabilities.Add(new GracefulRestartCapability(false, false, Math.Min(GracefulRestartTime, GracefulRestartCapability.MaxRestartTime),
                Families.Select(f => new GracefulRestartFamily(f, false)).ToList()));
        return OpenMessage.Create(LocalAs, HoldTime, RouterId, capabilities);
    }
}
