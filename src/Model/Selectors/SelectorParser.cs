using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace CniNet.Model.Selectors;

/// <summary>
/// Recursive descent over the characters, accepting exactly what libcalico-go's tokenizer and parser accept:
/// whitespace is only space and tab; "has(", "all(" and "global(" take no space before the parenthesis;
/// operator words after a label are matched as prefixes, so "startswith", "endswith" and "notin" are accepted;
/// consecutive "!" fold into one negation; an "in" set may end with a trailing comma.
/// </summary>
internal sealed class SelectorParser
{
    internal const int MaxLabelLength = 512;

    private const string ExpectedOperation = "expected a label, has(), all(), global(), '!' or '('";
    private const string ExpectedOperator =
        "expected an operator: ==, !=, in, not in, contains, starts with or ends with";

    private readonly string _text;
    private int _pos;
    private bool _usesGlobal;
    private int _errorPosition;
    private string? _errorReason;

    private SelectorParser(string text) => _text = text;

    public static bool TryParse(
        string text,
        [NotNullWhen(true)] out SelectorNode? root,
        out bool usesGlobal,
        out int errorPosition,
        [NotNullWhen(false)] out string? errorReason)
    {
        var parser = new SelectorParser(text);
        root = parser.ParseSelector();
        usesGlobal = parser._usesGlobal;
        errorPosition = parser._errorPosition;
        if (root is null)
        {
            errorReason = parser._errorReason ?? throw new UnreachableException("selector parse failed without a reason");
            return false;
        }
        errorReason = null;
        return true;
    }

    private char Current => _pos < _text.Length ? _text[_pos] : '\0';

    private bool AtEnd => _pos >= _text.Length;

    private SelectorNode? ParseSelector()
    {
        SkipWhitespace();
        if (AtEnd)
        {
            return AllNode.Instance;
        }
        var root = ParseOr();
        if (root is null)
        {
            return null;
        }
        SkipWhitespace();
        return AtEnd ? root : Fail("expected '&&', '||' or end of selector");
    }

    private SelectorNode? ParseOr()
    {
        var first = ParseAnd();
        if (first is null)
        {
            return null;
        }
        List<SelectorNode>? operands = null;
        while (TryConsumeSymbol("||"))
        {
            var next = ParseAnd();
            if (next is null)
            {
                return null;
            }
            (operands ??= [first]).Add(next);
        }
        return operands is null ? first : new OrNode([.. operands]);
    }

    private SelectorNode? ParseAnd()
    {
        var first = ParseOperation();
        if (first is null)
        {
            return null;
        }
        List<SelectorNode>? operands = null;
        while (TryConsumeSymbol("&&"))
        {
            var next = ParseOperation();
            if (next is null)
            {
                return null;
            }
            (operands ??= [first]).Add(next);
        }
        return operands is null ? first : new AndNode([.. operands]);
    }

    private SelectorNode? ParseOperation()
    {
        // Calico folds a run of "!" into one flag, so "!!has(a)" is has(a) but "!(!has(a))" keeps two NotNodes.
        var negated = false;
        SkipWhitespace();
        while (Current == '!')
        {
            negated = !negated;
            _pos++;
            SkipWhitespace();
        }

        SelectorNode? node;
        if (TryConsumeWord("has("))
        {
            SkipWhitespace();
            if (!IsLabelChar(Current))
            {
                return Fail("expected a label name");
            }
            var label = ReadLabel();
            if (label is null)
            {
                return null;
            }
            node = ExpectCloseParen() ? new HasNode(label) : null;
        }
        else if (TryConsumeWord("all("))
        {
            node = ExpectCloseParen() ? AllNode.Instance : null;
        }
        else if (TryConsumeWord("global("))
        {
            _usesGlobal = true;
            node = ExpectCloseParen() ? GlobalNode.Instance : null;
        }
        else if (Current == '(')
        {
            _pos++;
            node = ParseOr();
            if (node is null)
            {
                return null;
            }
            SkipWhitespace();
            if (Current != ')')
            {
                return Fail("expected '&&', '||' or ')'");
            }
            _pos++;
        }
        else if (IsLabelChar(Current))
        {
            var label = ReadLabel();
            node = label is null ? null : ParseLabelOperation(label);
        }
        else
        {
            return Fail(ExpectedOperation);
        }

        return node is null ? null : negated ? new NotNode(node) : node;
    }

    private SelectorNode? ParseLabelOperation(string label)
    {
        SkipWhitespace();
        if (TryConsumeWord("=="))
        {
            return ReadQuoted() is { } value ? new LabelEqualsNode(label, value) : null;
        }
        if (TryConsumeWord("!="))
        {
            return ReadQuoted() is { } value ? new LabelNotEqualsNode(label, value) : null;
        }
        if (TryConsumeWord("contains"))
        {
            return ReadQuoted() is { } value ? new LabelContainsNode(label, value) : null;
        }
        if (TryConsumeWord("starts"))
        {
            return ExpectWith() && ReadQuoted() is { } value ? new LabelStartsWithNode(label, value) : null;
        }
        if (TryConsumeWord("ends"))
        {
            return ExpectWith() && ReadQuoted() is { } value ? new LabelEndsWithNode(label, value) : null;
        }
        if (TryConsumeWord("not"))
        {
            SkipWhitespace();
            if (!TryConsumeWord("in"))
            {
                return Fail("expected 'in'");
            }
            return ReadSet() is { } values ? new LabelNotInSetNode(label, values) : null;
        }
        if (TryConsumeWord("in"))
        {
            return ReadSet() is { } values ? new LabelInSetNode(label, values) : null;
        }
        return Fail(ExpectedOperator);
    }

    private bool ExpectWith()
    {
        SkipWhitespace();
        if (TryConsumeWord("with"))
        {
            return true;
        }
        Fail("expected 'with'");
        return false;
    }

    private bool ExpectCloseParen()
    {
        SkipWhitespace();
        if (Current == ')')
        {
            _pos++;
            return true;
        }
        Fail("expected ')'");
        return false;
    }

    private string? ReadLabel()
    {
        var start = _pos;
        while (IsLabelChar(Current))
        {
            _pos++;
        }
        if (_pos - start > MaxLabelLength)
        {
            Fail(start, $"expected a label of at most {MaxLabelLength} characters");
            return null;
        }
        return _text[start.._pos];
    }

    private string? ReadQuoted()
    {
        SkipWhitespace();
        var quote = Current;
        if (quote is not ('"' or '\''))
        {
            Fail("expected a quoted string");
            return null;
        }
        var start = _pos;
        var end = _text.IndexOf(quote, start + 1);
        if (end < 0)
        {
            Fail(_text.Length, $"expected a closing {quote} for the string at position {start}");
            return null;
        }
        _pos = end + 1;
        return _text[(start + 1)..end];
    }

    private string[]? ReadSet()
    {
        SkipWhitespace();
        if (Current != '{')
        {
            Fail("expected '{'");
            return null;
        }
        _pos++;
        var values = new List<string>();
        var expected = "expected a quoted string or '}'";
        while (true)
        {
            SkipWhitespace();
            if (Current is not ('"' or '\''))
            {
                break;
            }
            var value = ReadQuoted();
            if (value is null)
            {
                return null;
            }
            values.Add(value);
            SkipWhitespace();
            if (Current != ',')
            {
                expected = "expected ',' or '}'";
                break;
            }
            _pos++;
            expected = "expected a quoted string or '}'";
        }
        if (Current != '}')
        {
            Fail(expected);
            return null;
        }
        _pos++;
        return SortedDistinct(values);
    }

    private static string[] SortedDistinct(List<string> values)
    {
        values.Sort(StringComparer.Ordinal);
        var distinct = new List<string>(values.Count);
        foreach (var value in values)
        {
            if (distinct.Count == 0 || distinct[^1] != value)
            {
                distinct.Add(value);
            }
        }
        return [.. distinct];
    }

    private bool TryConsumeSymbol(string symbol)
    {
        SkipWhitespace();
        return TryConsumeWord(symbol);
    }

    private bool TryConsumeWord(string word)
    {
        if (!_text.AsSpan(_pos).StartsWith(word, StringComparison.Ordinal))
        {
            return false;
        }
        _pos += word.Length;
        return true;
    }

    private void SkipWhitespace()
    {
        while (Current is ' ' or '\t')
        {
            _pos++;
        }
    }

    private static bool IsLabelChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '/' or '-';

    private SelectorNode? Fail(string reason) => Fail(_pos, reason);

    private SelectorNode? Fail(int position, string reason)
    {
        // The innermost failure is the precise one; outer levels only unwind.
        if (_errorReason is null)
        {
            _errorPosition = position;
            _errorReason = reason;
        }
        return null;
    }
}
