namespace CniNet.Datastore.Etcd;

/// <summary>
/// What one etcd key holds: etcd stores only bytes and its own revisions, but an entry also has a UID and a creation
/// time, and a label-selected list filters on labels without decoding the resource. Stored as JSON:
/// <c>{"uid":"…","created":"2025-01-01T00:00:00.0000000Z","labels":{"app":"web"},"value":"&lt;base64 of the value&gt;"}</c>
/// (<c>labels</c> left out when there are none). The value is base64 rather than embedded JSON because the seam takes
/// any bytes. The entry's revision is the key's etcd <c>mod_revision</c>, so it is not stored.
/// </summary>
internal sealed class EtcdEnvelope
{
    public required string Uid { get; set; }
    public DateTime Created { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public required byte[] Value { get; set; }
}
