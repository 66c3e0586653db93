namespace CniNet.Cni;

/// <summary>
/// <c>CNI_ARGS</c>: <c>K=V;K=V</c> pairs. Keys the plugin does not know are an error unless <c>IgnoreUnknown</c> is
/// true, as in libcni's <c>LoadArgs</c> (kubelet and podman always send <c>IgnoreUnknown=1</c>).
/// </summary>
public sealed class CniArgs
{
    private readonly Dictionary<string, string> _values;

    private CniArgs(Dictionary<string, string> values) => _values = values;

    public static readonly CniArgs Empty = new([]);

    public string? this[string key] => _values.GetValueOrDefault(key);

    public IReadOnlyDictionary<string, string> Values => _values;

    public static CniArgs Parse(string? text, IReadOnlyCollection<string> known)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(text)) return Empty;
        foreach (var pair in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new CniException(CniErrorCode.InvalidEnvironment, $"CNI_ARGS: invalid pair \"{pair}\"");
            values[pair[..eq]] = pair[(eq + 1)..];
        }
        var ignoreUnknown = values.TryGetValue("IgnoreUnknown", out var ignore) && (ignore == "1" || ignore.Equals("true", StringComparison.OrdinalIgnoreCase));
        if (!ignoreUnknown)
        {
            var unknown = values.Keys.Where(k => k != "IgnoreUnknown" && !known.Contains(k)).ToList();
            if (unknown.Count > 0)
                throw new CniException(CniErrorCode.UnsupportedField, $"CNI_ARGS: unknown args [{string.Join(" ", unknown)}] (set IgnoreUnknown=1 to ignore them)");
        }
        return new CniArgs(values);
    }
}
