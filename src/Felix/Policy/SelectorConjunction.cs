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

    /// <summary>The canonical text of every part, ANDed: equal texts select the same members, so they share an IP set.</summary>
    public override string ToString() => string.Join(" && ", parts.Select(part => part.ToString()));

    /// <summary>A label every label set this conjunction matches holds with this value, or null.</summary>
    public KeyValuePair<string, string>? RequiredLabel => parts.Select(part => part.RequiredLabel).FirstOrDefault(label => label is not null);

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
