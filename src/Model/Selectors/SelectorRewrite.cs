namespace CniNet.Model.Selectors;

/// <summary>
/// How <see cref="Selector"/> rewrites a parsed expression: a prefix for every label name, and optional replacements
/// for <c>all()</c> and <c>global()</c> (null keeps them).
/// </summary>
internal sealed class SelectorRewrite(string labelPrefix, SelectorNode? all, SelectorNode? global)
{
    public SelectorNode? All { get; } = all;

    public SelectorNode? Global { get; } = global;

    public string Label(string label) => labelPrefix + label;
}
