using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CniNet.Linux;

/// <summary>
/// A route as rtnetlink knows it: the key (destination, table, and for deletes the other fields as well) and what
/// it does. Defaults match <c>ip route add</c>: main table, protocol boot, scope universe, unicast, no metric.
/// </summary>
/// <param name="Destination">The network address; host bits beyond <paramref name="PrefixLength"/> must be zero (0.0.0.0 or :: with length 0 for a default route).</param>
/// <param name="PrefixLength">0 to 32 for IPv4, 0 to 128 for IPv6.</param>
public sealed record RouteSpec(IPAddress Destination, int PrefixLength)
{
    /// <summary>The next hop (RTA_GATEWAY), of the destination's family; null for a directly connected route.</summary>
    public IPAddress? Gateway { get; init; }

    /// <summary>The output interface's ifindex (RTA_OIF).</summary>
    public int? OutputInterface { get; init; }

    /// <summary><see cref="RouteScope.Link"/> for on-link routes without a gateway (Calico's <c>/32 dev caliX scope link</c>).</summary>
    public RouteScope Scope { get; init; } = RouteScope.Universe;

    /// <summary>rtm_protocol; see <see cref="RouteProtocol"/>.</summary>
    public byte Protocol { get; init; } = RouteProtocol.Boot;

    /// <summary>The table id; see <see cref="RouteTable"/>.</summary>
    public uint Table { get; init; } = RouteTable.Main;

    public RouteType Type { get; init; } = RouteType.Unicast;

    /// <summary>Treat the gateway as directly reachable on the output interface even without a covering route (RTNH_F_ONLINK).</summary>
    public bool OnLink { get; init; }

    /// <summary>RTA_PRIORITY. IPv4 reports none for metric 0; the kernel gives IPv6 routes 1024 when none is set.</summary>
    public uint? Metric { get; init; }

    public AddressFamily Family => Destination.AddressFamily;

    /// <summary>The route in <c>ip route</c> notation, with interfaces as <c>if7</c>.</summary>
    public override string ToString() => Describe(OutputInterface is { } index ? $"if{index}" : null);

    /// <summary>The route in <c>ip route</c> notation, naming the output interface <paramref name="device"/>.</summary>
    internal string Describe(string? device)
    {
        var text = new StringBuilder();
        if (Type != RouteType.Unicast) text.Append(Type.ToString().ToLowerInvariant()).Append(' ');
        text.Append(PrefixLength == 0 ? "default" : $"{Destination}/{PrefixLength}");
        if (Gateway is not null) text.Append(" via ").Append(Gateway);
        if (device is not null) text.Append(" dev ").Append(device);
        if (Table != RouteTable.Main) text.Append(" table ").Append(Table);
        if (Protocol != RouteProtocol.Boot) text.Append(" proto ").Append(Protocol);
        if (Scope != RouteScope.Universe) text.Append(" scope ").Append(Scope.ToString().ToLowerInvariant());
        if (Metric is { } metric) text.Append(" metric ").Append(metric);
        if (OnLink) text.Append(" onlink");
        return text.ToString();
    }

    /// <summary>Rejects what the kernel would refuse with a bare EINVAL, with a message that says why.</summary>
    internal void Validate()
    {
        var maxLength = Family switch
        {
            AddressFamily.InterNetwork => 32,
            AddressFamily.InterNetworkV6 => 128,
            _ => throw new ArgumentException($"route destination {Destination} is neither IPv4 nor IPv6"),
        };
        if (PrefixLength < 0 || PrefixLength > maxLength)
            throw new ArgumentException($"route {Destination}/{PrefixLength}: prefix length must be 0 to {maxLength}");
        if (!HasNoHostBits(Destination, PrefixLength))
            throw new ArgumentException($"route {Destination}/{PrefixLength}: the destination has bits set beyond the prefix length");
        if (Gateway is not null && Gateway.AddressFamily != Family)
            throw new ArgumentException($"route {Destination}/{PrefixLength}: gateway {Gateway} is of another address family");
        if (OutputInterface is <= 0)
            throw new ArgumentException($"route {Destination}/{PrefixLength}: output interface index must be positive");
    }

    private static bool HasNoHostBits(IPAddress address, int prefixLength)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var length);
        for (var bit = prefixLength; bit < length * 8; bit++)
            if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0) return false;
        return true;
    }
}
