namespace CniNet.Bgp.Wire;

/// <summary>A large community <c>global:local1:local2</c> (RFC 8092).</summary>
public readonly record struct LargeCommunity(uint GlobalAdministrator, uint LocalData1, uint LocalData2)
{
    public override string ToString() => $"{GlobalAdministrator}:{LocalData1}:{LocalData2}";
}
