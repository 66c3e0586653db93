using System.Text;

namespace CniNet.Model.Selectors;

/// <summary>
/// A node of a parsed selector. <see cref="AppendTo"/> writes libcalico-go's canonical form byte for byte,
/// because Felix names a selector's IP set after a hash of that string.
/// </summary>
internal abstract class SelectorNode
{
    public abstract bool Evaluate(IReadOnlyDictionary<string, string> labels);

    public abstract void AppendTo(StringBuilder text);

    /// <summary>The same expression with labels renamed and <c>all()</c>/<c>global()</c> replaced as
    /// <paramref name="rewrite"/> says; nodes are immutable, so unchanged parts may be shared.</summary>
    public abstract SelectorNode Rewrite(SelectorRewrite rewrite);

    /// <summary>
    /// Adds this node's Kubernetes label-selector requirements; false when Kubernetes' grammar cannot say it (an
    /// <c>||</c>, a substring match, a value a label value may not hold).
    /// </summary>
    public virtual bool AddKubernetesRequirements(List<string> requirements) => false;

    /// <summary>A label every label set this node matches holds with this value; null when there is none.</summary>
    public virtual KeyValuePair<string, string>? RequiredLabel => null;

    /// <summary>What a Kubernetes label value may be: empty, or up to 63 alphanumerics with '-', '_', '.' inside.</summary>
    protected static bool IsKubernetesValue(string value) =>
        value.Length == 0 || (value.Length <= 63 && char.IsAsciiLetterOrDigit(value[0]) && char.IsAsciiLetterOrDigit(value[^1])
                              && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'));

    protected static bool IsKubernetesKey(string key) =>
        key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/');

    // There are no escapes, so a value can never hold both quote characters; Calico prefers double quotes.
    protected static void AppendQuoted(StringBuilder text, string value)
    {
        var quote = value.Contains('"') ? '\'' : '"';
        text.Append(quote).Append(value).Append(quote);
    }
}

internal sealed class AllNode : SelectorNode
{
    public static readonly AllNode Instance = new();

    public override bool Evaluate(IReadOnlyDictionary<string, string> labels) => true;

    public override void AppendTo(StringBuilder text) => text.Append("all()");

    public override SelectorNode Rewrite(SelectorRewrite rewrite) => rewrite.All ?? this;

    public override bool AddKubernetesRequirements(List<string> requirements) => true;
}

/// <summary>Matches everything here; it is only meaningful once rewritten in an EntityRule namespaceSelector.</summary>
internal sealed class GlobalNode : SelectorNode
{
    public static readonly GlobalNode Instance = new();

    public override bool Evaluate(IReadOnlyDictionary<string, string> labels) => true;

    public override void AppendTo(StringBuilder text) => text.Append("global()");

    public override SelectorNode Rewrite(SelectorRewrite rewrite) => rewrite.Global ?? this;
}

internal sealed class HasNode(string label) : SelectorNode
{
    public override bool Evaluate(IReadOnlyDictionary<string, string> labels) => labels.ContainsKey(label);

    public override void AppendTo(StringBuilder text) => text.Append("has(").Append(label).Append(')');

    public override SelectorNode Rewrite(SelectorRewrite rewrite) => new HasNode(rewrite.Label(label));

    public override bool AddKubernetesRequirements(List<string> requirements) => Add(requirements, label);

    /// <summary><c>!has(label)</c>: Kubernetes' <c>!label</c>.</summary>
    public bool AddAbsentRequirement(List<string> requirements) => Add(requirements, "!" + label);

    private bool Add(List<string> requirements, string requirement)
    {
        if (!IsKubernetesKey(label)) return false;
        requirements.Add(requirement);
        return true;
    }
}

internal sealed class NotNode(SelectorNode operand) : SelectorNode
{
    public override bool Evaluate(IReadOnlyDictionary<string, string> labels) => !operand.Evaluate(labels);

    // No parentheses: "!" binds to one whole operation, and And/Or print their own.
    public override void AppendTo(StringBuilder text)
    {
        text.Append('!');
        operand.AppendTo(text);
    }

    public override SelectorNode Rewrite(SelectorRewrite rewrite) => new NotNode(operand.Rewrite(rewrite));

    public override bool AddKubernetesRequirements(List<string> requirements) => operand is HasNode has && has.AddAbsentRequirement(requirements);
}

internal sealed class AndNode(SelectorNode[] operands) : SelectorNode
{
    public override bool Evaluate(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var operand in operands)
        {
            if (!operand.Evaluate(labels))
            {
                return false;
            }
        }
        return true;
    }

    public override void AppendTo(StringBuilder text) => AppendJoined(text, operands, " && ");

    public override SelectorNode Rewrite(SelectorRewrite rewrite) =>
        new AndNode(Array.ConvertAll(operands, operand => operand.Rewrite(rewrite)));

    public override bool AddKubernetesRequirements(List<string> requirements) => operands.All(o => o.AddKubernetesRequirements(requirements));

    public override KeyValuePair<string, string>? RequiredLabel =>
        operands.Select(operand => operand.RequiredLabel).FirstOrDefault(label => label is not null);

    internal static void AppendJoined(StringBuilder text, SelectorNode[] operands, string separator)
    {
        text.Append('(');
        for (var i = 0; i < operands.Length; i++)
        {
            if (i > 0)
            {
                text.Append(separator);
            }
            operands[i].AppendTo(text);
        }
        text.Append(')');
    }
}

internal sealed class OrNode(SelectorNode[] operands) : SelectorNode
{
    public override bool Evaluate(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var operand in operands)
        {
            if (operand.Evaluate(labels))
            {
                return true;
            }
        }
        return false;
    }

    public override void AppendTo(StringBuilder text) => AndNode.AppendJoined(text, operands, " || ");

    public override SelectorNode Rewrite(SelectorRewrite rewrite) =>
        new OrNode(Array.ConvertAll(operands, operand => operand.Rewrite(rewrite)));
}

/// <summary><c>label op "value"</c>; subclasses decide the match, and what an absent label means.</summary>
internal abstract class LabelValueNode(string label, string op, string value) : SelectorNode
{
    protected string Label { get; } = label;

    protected string Value { get; } = value;

    protected bool AddRequirement(List<string> requirements, string op)
    {
        if (!IsKubernetesKey(Label) || !IsKubernetesValue(Value)) return false;
        requirements.Add(Label + op + Value);
        return true;
    }

    public sealed override void AppendTo(StringBuilder text)
    {
        text.Append(Label).Append(' ').Append(op).Append(' ');
        AppendQuoted(text, Value);
    }
}

internal sealed class LabelEqualsNode(string label, string value) : LabelValueNode(label, "==", value)
{
    public override bool Evaluate(IReadOnlyDictionary<string, string> labels) =>
        labels.TryGetValue(Label, out var actual) && actual == Value;

    public override SelectorNode Rewrite(SelectorRewrite rewrite) => new LabelEqualsNode(rewrite.Label(Label), Value);

    public override bool AddKubernetesRequirements(List<string> requirements) => AddRequirement(requirements, "=");

    public override KeyValuePair<string, string>? RequiredLabel => new(Label, Value);
}

/// <summary>True when the label is absent, as in Calico: presence needs an explicit <c>has()</c>.</summary>
internal sealed class LabelNotEqualsNode(string label, string value) : LabelValueNode(label, "!=", value)
{
    public override bool Evaluate(IReadOnlyDictionary<string, string> labels) =>
        !labels.TryGetValue(Label, out var actual) || actual != Value;

    public override SelectorNode Rewrite(SelectorRewrite rewrite) => new LabelNotEqualsNode(rewrite.Label(Label), Value);

    // Kubernetes' "!=" also matches objects without the label, as Calico's does.
    public override bool AddKubernetesRequirements(List<string> requirements) => AddRequirement(requirements, "!=");
}

internal sealed class LabelContainsNode(string label, string value) : LabelValueNode(label, "contains", value)
{
    public override bool Evaluate(IReadOnlyDictionary<string, string> labels) =>
        labels.TryGetValue(Label, out var actual) && actual.Contains(Value, StringComparison.Ordinal);

    public override SelectorNode Rewrite(SelectorRewrite rewrite) => new LabelContainsNode(rewrite.Label(Label), Value);
}

internal sealed class LabelStartsWithNode(string label, string value) : LabelValueNode(label, "starts with", value)
{
    public override bool Evaluate(IReadOnlyDictionary<string, string> labels) =>
        labels.TryGetValue(Label, out var actual) && actual.StartsWith(Value, StringComparison.Ordinal);

    public override SelectorNode Rewrite(SelectorRewrite rewrite) => new LabelStartsWithNode(rewrite.Label(Label), Value);
}

internal sealed class LabelEndsWithNode(string label, string value) : LabelValueNode(label, "ends with", value)
{
    public override bool Evaluate(IReadOnlyDictionary<string, string> labels) =>
        labels.TryGetValue(Label, out var actual) && actual.EndsWith(Value, StringComparison.Ordinal);

    public override SelectorNode Rewrite(SelectorRewrite rewrite) => new LabelEndsWithNode(rewrite.Label(Label), Value);
}

/// <summary><c>label in {...}</c> / <c>label not in {...}</c> over a set kept sorted (ordinal) and de-duplicated,
/// which is also the order Calico prints it in.</summary>
internal abstract class LabelSetNode(string label, string op, string[] sortedValues) : SelectorNode
{
    protected string Label { get; } = label;

    protected string[] SortedValues => sortedValues;

    protected bool SetContains(string value) => Array.BinarySearch(sortedValues, value, StringComparer.Ordinal) >= 0;

    protected bool AddRequirement(List<string> requirements, string op)
    {
        if (!IsKubernetesKey(Label) || sortedValues.Length == 0 || !sortedValues.All(IsKubernetesValue)) return false;
        requirements.Add($"{Label} {op} ({string.Join(',', sortedValues)})");
        return true;
    }

    public sealed override void AppendTo(StringBuilder text)
    {
        text.Append(Label).Append(' ').Append(op).Append(" {");
        for (var i = 0; i < sortedValues.Length; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }
            AppendQuoted(text, sortedValues[i]);
        }
        text.Append('}');
    }
}

internal sealed class LabelInSetNode(string label, string[] sortedValues) : LabelSetNode(label, "in", sortedValues)
{
    public override bool Evaluate(IReadOnlyDictionary<string, string> labels) =>
        labels.TryGetValue(Label, out var actual) && SetContains(actual);

    public override SelectorNode Rewrite(SelectorRewrite rewrite) => new LabelInSetNode(rewrite.Label(Label), SortedValues);

    public override bool AddKubernetesRequirements(List<string> requirements) => AddRequirement(requirements, "in");
}

/// <summary>True when the label is absent, as in Calico.</summary>
internal sealed class LabelNotInSetNode(string label, string[] sortedValues) : LabelSetNode(label, "not in", sortedValues)
{
    public override bool Evaluate(IReadOnlyDictionary<string, string> labels) =>
        !labels.TryGetValue(Label, out var actual) || !SetContains(actual);

    public override SelectorNode Rewrite(SelectorRewrite rewrite) => new LabelNotInSetNode(rewrite.Label(Label), SortedValues);

    // Kubernetes' "notin" also matches objects without the label, as Calico's "not in" does.
    public override bool AddKubernetesRequirements(List<string> requirements) => AddRequirement(requirements, "notin");
}
