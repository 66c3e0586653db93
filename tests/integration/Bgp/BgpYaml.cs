namespace CniNet.Tests.Integration.Bgp;

/// <summary>The Calico resources the BGP tests apply, as YAML documents to join with <see cref="Join"/>.</summary>
public static class BgpYaml
{
    public static string Join(params string[] documents) => string.Join("\n---\n", documents);

    public static string Pool(string name, string cidr, int blockSize) =>
        $"apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {{name: {name}}}\nspec: {{cidr: \"{cidr}\", blockSize: {blockSize}}}";

    /// <summary>A Node whose <c>spec.bgp</c> is the flow mapping body <paramref name="bgp"/> (e.g. <c>ipv4Address: 10.99.0.1/24</c>).</summary>
    public static string Node(string name, string bgp) =>
        $"apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {{name: {name}}}\nspec: {{bgp: {{{bgp}}}}}";

    /// <summary>The cluster's BGPConfiguration in AS 64512 with the node-to-node mesh off, so only BGPPeers count.</summary>
    public const string MeshOff =
        "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata: {name: default}\nspec: {nodeToNodeMeshEnabled: false, asNumber: 64512}";

    /// <summary>A global BGPPeer; <paramref name="extra"/> is appended to its spec's flow mapping (", password: …").</summary>
    public static string Peer(string name, string ip, uint @as, string extra = "") =>
        $"apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {{name: {name}}}\nspec: {{peerIP: \"{ip}\", asNumber: {@as}{extra}}}";

    /// <summary>A Kubernetes Secret; <paramref name="data"/> is the body of its <c>data</c> flow mapping (values base64, e.g. <c>bird: c2VjcmV0</c>).</summary>
    public static string Secret(string name, string ns, string data) =>
        $"apiVersion: v1\nkind: Secret\nmetadata: {{name: {name}, namespace: {ns}}}\ntype: Opaque\ndata: {{{data}}}";

    /// <summary>A <c>password</c> for <see cref="Peer"/>'s extra: the key <paramref name="key"/> of the Secret <paramref name="secret"/>.</summary>
    public static string Password(string secret, string key) => $", password: {{secretKeyRef: {{name: {secret}, key: {key}}}}}";
}
