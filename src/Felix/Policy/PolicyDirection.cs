namespace CniNet.Felix.Policy;

/// <summary>Which side of an endpoint a packet crosses: into it (ingress) or out of it (egress).</summary>
public enum PolicyDirection
{
    Ingress,
    Egress,
}
