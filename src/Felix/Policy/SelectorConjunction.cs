using System.Collections.Immutable;
using CniNet.Model.Selectors;

namespace CniNet.Felix.Policy;

/// <summary>
/// Selectors that must all match one label set: how Felix ANDs a rule's selector with its namespace scope and its
/// service-account match. Empty means "no selector criterion", which is not the same as an IP-set match.
/// </summary>
internal sealed class SelectorConjunction(ImmutableArray<Selector> parts)
{
    public static SelectorConjunction None { get; } = new([]);

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
}
