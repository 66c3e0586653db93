namespace CniNet.Tests;

/// <summary>Small resource documents the tests build on.</summary>
public static class Yaml
{
    public static string Pool(string name, string cidr, int blockSize = 26, string? nodeSelector = null, string? extra = null) => $"""
        apiVersion: projectcalico.org/v3
        kind: IPPool
        metadata:
          name: {name}
        spec:
          cidr: {cidr}
          blockSize: {blockSize}
        {(nodeSelector is null ? "" : $"  nodeSelector: \"{nodeSelector}\"")}
        {extra ?? ""}
        ---

        """;

    public static string Node(string name, string labels = "{}") => $"""
        apiVersion: projectcalico.org/v3
        kind: Node
        metadata:
          name: {name}
          labels: {labels}
        ---

        """;

    public static string Reservation(string name, params string[] cidrs) => $"""
        apiVersion: projectcalico.org/v3
        kind: IPReservation
        metadata:
          name: {name}
        spec:
          reservedCIDRs: [{string.Join(", ", cidrs)}]
        ---

        """;
}
