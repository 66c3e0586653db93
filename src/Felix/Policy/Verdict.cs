namespace CniNet.Felix.Policy;

/// <summary>The outcome of policy for a packet: Felix accepts it or drops it.</summary>
public enum Verdict
{
    Deny,
    Allow,
}
