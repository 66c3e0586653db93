using System.Text;

namespace CniNet.Ctl;

/// <summary>Bordered tables in calicoctl's style.</summary>
internal static class TableWriter
{
    public static string Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, bool borders = true)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => all.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        if (!borders)
        {
            foreach (var row in all.Prepend(headers))
                text.AppendLine(string.Join("   ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
            return text.ToString();
        }
        var rule = "+" + string.Join("+", widths.Select(w => new string('-', w + 2))) + "+";
        text.AppendLine(rule);
        text.AppendLine("| " + string.Join(" | ", headers.Select((h, i) => Center(h, widths[i]))) + " |");
        text.AppendLine(rule);
        foreach (var row in all) text.AppendLine("| " + string.Join(" | ", row.Select((c, i) => c.PadRight(widths[i]))) + " |");
        text.AppendLine(rule);
        return text.ToString();
    }

    private static string Center(string text, int width)
    {
        var left = (width - text.Length) / 2;
        return text.PadLeft(text.Length + left).PadRight(width);
    }
}
