namespace CniNet.Felix.Dataplane;

/// <summary>
/// Names of chains and sets. Selectors and policy names can hold characters nft identifiers cannot, and can be long,
/// so, as Felix does, sets and policy chains are named by a hash of what they stand for. FNV-1a over 64 bits: stable
/// across processes (unlike string.GetHashCode) and without loading OpenSSL; collisions among a node's few thousand
/// names are negligible.
/// </summary>
internal static class NftNames
{
    public static string Hash(string text) => Fnv(text).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One of <paramref name="buckets"/> for <paramref name="text"/>, the same in every process.</summary>
    public static int Bucket(string text, int buckets) => (int)(Fnv(text) % (ulong)buckets);

    private static ulong Fnv(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return hash;
    }

    /// <summary>Interface names go into chain names and quoted map keys: only what Linux and nft both accept plainly.</summary>
    public static string RequireInterfaceName(string name) =>
        name.Length is > 0 and <= 15 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
            ? name
            : throw new ArgumentException($"interface name '{name}' is not 1-15 letters, digits, '_', '-' or '.'", nameof(name));
}
