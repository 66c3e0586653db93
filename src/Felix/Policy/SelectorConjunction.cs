using System.Collections.Immutable;
using CniNet.Model.Selectors;

namespace CniNet.Felix.Policy;

/// <summary>
/// Selectors that must all match one label set: how Felix ANDs a rule's selector with its namespace scope and its
/// service-account match. Empty means "no selector criterion", which is not the same as an IP-set match.
/// </summary>
internal sealed class SelectorConjunction
{
    private const int SharedLimit = 65_536;

    // Keyed by the parts' identities: parsed selectors are shared per text (PolicyCompiler), so a rule's
    // `app == 'web'` scoped to one namespace is the same parts in every policy that writes it.
    private static readonly Dictionary<Parts, SelectorConjunction> Shared = [];

    private readonly ImmutableArray<Selector> parts;

    private SelectorConjunction(ImmutableArray<Selector> parts) => this.parts = parts;

    public static SelectorConjunction None { get; } = new([]);

    /// <summary>
    /// The conjunction of <paramref name="parts"/> (at most four), one object for the same parts: its text, built once,
    /// names its IP set for every rule that uses it, and a full program's 100,000 rules repeat a few hundred.
    /// </summary>
    public static SelectorConjunction Of(ReadOnlySpan<Selector> parts)
    {
        if (parts.IsEmpty) return None;
        if (parts.Length > 4) return new SelectorConjunction([.. parts]);
        var key = new Parts(parts[0], parts.Length > 1 ? parts[1] : null, parts.Length > 2 ? parts[2] : null, parts.Length > 3 ? parts[3] : null);
        lock (Shared)
        {
            if (Shared.TryGetValue(key, out var known)) return known;
            if (Shared.Count >= SharedLimit) Shared.Clear();
            return Shared[key] = new SelectorConjunction([.. parts]);
        }
    }

    public bool IsEmpty => parts.IsEmpty;

    private string? _text;

    /// <summary>
    /// The canonical text of every part, ANDed: equal texts select the same members, so they share an IP set. Built
    /// once: every rendering of a rule names its sets by it.
    /// </summary>
    public override string ToString() => _text ??= string.Join(" && ", parts.Select(part => part.ToString()));

    /// <summary>A label every label set this conjunction matches holds with this value, or null.</summary>
    public KeyValuePair<string, string>? RequiredLabel
    {
        get
        {
            foreach (var part in parts)
            {
                if (part.RequiredLabel is { } label) return label;
            }
            return null;
        }
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var part in parts)
        {
            if (!part.Matches(labels))
            {
                return false;
            }
        }
        return true;
    }

    private readonly record struct Parts(Selector First, Selector? Second, Selector? Third, Selector? Fourth);
}
