using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace CniNet.Model.Selectors;

/// <summary>
/// A parsed Calico label selector (libcalico-go <c>lib/selector</c>): <c>==</c>, <c>!=</c>, <c>in</c>,
/// <c>not in</c>, <c>contains</c>, <c>starts with</c>, <c>ends with</c>, <c>has()</c>, <c>all()</c>,
/// <c>global()</c>, <c>!</c>, <c>&amp;&amp;</c>, <c>||</c> and parentheses. Immutable and safe to share.
/// </summary>
public sealed class Selector
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = ReadOnlyDictionary<string, string>.Empty;

    private readonly SelectorNode _root;
    private string? _canonical;

    private Selector(SelectorNode root, bool usesGlobal)
    {
        _root = root;
        UsesGlobal = usesGlobal;
    }

    /// <summary>Matches every label set; what the empty selector means.</summary>
    public static Selector All { get; } = new(AllNode.Instance, usesGlobal: false);

    /// <summary>
    /// Whether <c>global()</c> appears anywhere. Calico allows it only in an EntityRule namespaceSelector,
    /// so every other field (IP pool selectors among them) must reject such a selector.
    /// </summary>
    public bool UsesGlobal { get; }

    /// <summary>Parses <paramref name="text"/>; empty or blank text is <see cref="All"/>.</summary>
    /// <exception cref="SelectorParseException">The text is not a valid selector.</exception>
    public static Selector Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!SelectorParser.TryParse(text, out var root, out var usesGlobal, out var position, out var reason))
        {
            throw new SelectorParseException(text, position, reason);
        }
        return Create(root, usesGlobal);
    }

    /// <summary>Parses <paramref name="text"/> without throwing; <paramref name="error"/> is the message
    /// <see cref="Parse"/> would have thrown.</summary>
    public static bool TryParse(
        string text,
        [NotNullWhen(true)] out Selector? selector,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!SelectorParser.TryParse(text, out var root, out var usesGlobal, out var position, out var reason))
        {
            selector = null;
            error = SelectorParseException.FormatMessage(text, position, reason);
            return false;
        }
        selector = Create(root, usesGlobal);
        error = null;
        return true;
    }

    /// <summary>
    /// The same selection in Kubernetes' label-selector grammar (<c>a=b,c!=d,e in (f,g),h,!i</c>), for an API server
    /// to filter a list; null when Kubernetes cannot express it (then the caller filters).
    /// </summary>
    public string? ToKubernetesLabelSelector()
    {
        var requirements = new List<string>();
        return _root.AddKubernetesRequirements(requirements) ? string.Join(',', requirements) : null;
    }

    /// <summary>
    /// A label that every label set the selector matches holds with this value (an equality, alone or ANDed with
    /// anything), or null: callers that match many selectors against many label sets index them by it.
    /// </summary>
    public KeyValuePair<string, string>? RequiredLabel => _root.RequiredLabel;

    /// <summary>Evaluates the selector against a label set; <c>null</c> is the empty set. Does not allocate.</summary>
    public bool Matches(IReadOnlyDictionary<string, string>? labels) => _root.Evaluate(labels ?? NoLabels);

    /// <summary>
    /// The canonical form libcalico-go prints: double quotes unless the value holds one, every <c>&amp;&amp;</c>
    /// and <c>||</c> group in parentheses, set members sorted and de-duplicated, e.g.
    /// <c>(a == "b" &amp;&amp; c in {"d", "e"})</c>. It parses back to an equivalent selector.
    /// </summary>
    public override string ToString()
    {
        if (_canonical is null)
        {
            var text = new StringBuilder();
            _root.AppendTo(text);
            _canonical = text.ToString();
        }
        return _canonical;
    }

    /// <summary>
    /// The same selector with <paramref name="prefix"/> attached to every label name, as libcalico-go's
    /// <c>parseSelectorAttachPrefix</c> does for a rule's <c>serviceAccounts.selector</c> (prefix <c>pcsa.</c>).
    /// </summary>
    public Selector AttachPrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return Create(_root.Rewrite(new SelectorRewrite(prefix, all: null, global: null)), UsesGlobal);
    }

    /// <summary>
    /// The selector an EntityRule or GlobalNetworkPolicy <c>namespaceSelector</c> becomes in the Felix model
    /// (updateprocessors/rules.go): every label gains <paramref name="prefix"/> (<c>pcns.</c>, the labels endpoints
    /// inherit from their namespace profile), <c>all()</c> becomes <c>has(namespaceLabel)</c> (any namespaced
    /// endpoint) and <c>global()</c> becomes <c>!has(namespaceLabel)</c> (only non-namespaced things such as
    /// GlobalNetworkSets).
    /// </summary>
    public Selector ToNamespaceSelector(string prefix, string namespaceLabel)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(namespaceLabel);
        var inNamespace = new HasNode(namespaceLabel);
        var rewrite = new SelectorRewrite(prefix, all: inNamespace, global: new NotNode(inNamespace));
        return Create(_root.Rewrite(rewrite), usesGlobal: false);
    }

    private static Selector Create(SelectorNode root, bool usesGlobal) =>
        ReferenceEquals(root, AllNode.Instance) ? All : new Selector(root, usesGlobal);
}
