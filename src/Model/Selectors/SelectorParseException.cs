namespace CniNet.Model.Selectors;

/// <summary>A selector that does not follow Calico's selector grammar.</summary>
public sealed class SelectorParseException : FormatException
{
    public SelectorParseException(string selectorText, int position, string reason)
        : base(FormatMessage(selectorText, position, reason))
    {
        SelectorText = selectorText;
        Position = position;
        Reason = reason;
    }

    /// <summary>The text that failed to parse.</summary>
    public string SelectorText { get; }

    /// <summary>0-based character offset into <see cref="SelectorText"/>; equal to its length at end of input.</summary>
    public int Position { get; }

    /// <summary>What the parser expected at <see cref="Position"/>, e.g. <c>expected a quoted string</c>.</summary>
    public string Reason { get; }

    internal static string FormatMessage(string selectorText, int position, string reason) =>
        $"selector \"{selectorText}\" at position {position}: {reason}";
}
