namespace CniNet.Felix.Dataplane;

/// <summary>
/// Script text outside the closed grammar <see cref="NetlinkNft"/> compiles (what the dataplane's renderers write):
/// refused whole, naming the text, rather than encoded as something nft would not have made of it.
/// </summary>
public sealed class NftUnsupportedException(string message) : Exception(message);
