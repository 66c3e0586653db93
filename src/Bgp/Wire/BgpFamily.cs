namespace CniNet.Bgp.Wire;

/// <summary>
/// An AFI/SAFI pair (RFC 4760). The speaker handles IPv4 and IPv6 unicast; other pairs are carried as numbers so a
/// peer's capabilities and MP attributes for them can be recognised and ignored.
/// </summary>
public readonly record struct BgpFamily(ushort Afi, byte Safi)
{
    public const ushort AfiIpv4 = 1;
    public const ushort AfiIpv6 = 2;
    public const byte SafiUnicast = 1;

    public static readonly BgpFamily Ipv4Unicast = new(AfiIpv4, SafiUnicast);
    public static readonly BgpFamily Ipv6Unicast = new(AfiIpv6, SafiUnicast);

    /// <summary>True for the two families whose prefixes this codec decodes.</summary>
    public bool IsKnown => Safi == SafiUnicast && Afi is AfiIpv4 or AfiIpv6;

    public bool IsV6 => Afi == AfiIpv6;

    public override string ToString() => this == Ipv4Unicast ? "ipv4-unicast" : this == Ipv6Unicast ? "ipv6-unicast" : $"afi {Afi} safi {Safi}";
}
