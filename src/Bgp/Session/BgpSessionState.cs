namespace CniNet.Bgp.Session;

/// <summary>The states of RFC 4271 §8.2.2, named as BIRD and <c>calicoctl node status</c> show them.</summary>
public enum BgpSessionState
{
    Idle,
    Connect,
    Active,
    OpenSent,
    OpenConfirm,
    Established,
}
