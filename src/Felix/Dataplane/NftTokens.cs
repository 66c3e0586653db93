namespace CniNet.Felix.Dataplane;

/// <summary>
/// The words of one line of nft script: quoted strings (quotes kept), the punctuation <c>{ } , ;</c> on their own,
/// and everything else split on white space (so <c>fd00::1</c>, <c>10.0.0.0/8</c>, <c>@set</c> and <c>1-5</c> stay
/// whole, and operators such as <c>!=</c> and <c>.</c> arrive as the separate words the renderers write them as).
/// </summary>
internal sealed class NftTokens
{
    private readonly List<string> _words;
    private int _next;

    public NftTokens(string line)
    {
        Text = line;
        // Room for every word at once: an element line of 500 addresses has 1,000 words, and a list grown by doubling
        // allocates twice that.
        _words = new List<string>(line.AsSpan().Count(' ') + line.AsSpan().Count(',') + 2);
        var i = 0;
        while (i < line.Length)
        {
            var c = line[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '{' or '}' or ',' or ';')
            {
                // Constants, not a new string per mark: an element line of 500 addresses has 500 of them.
                _words.Add(c switch { '{' => "{", '}' => "}", ',' => ",", _ => ";" });
                i++;
            }
            else if (c == '"')
            {
                var end = line.IndexOf('"', i + 1);
                if (end < 0) throw new NftUnsupportedException($"unterminated string in: {line}");
                _words.Add(line[i..(end + 1)]);
                i = end + 1;
            }
            else
            {
                var start = i;
                while (i < line.Length && !char.IsWhiteSpace(line[i]) && line[i] is not ('{' or '}' or ',' or ';' or '"')) i++;
                _words.Add(line[start..i]);
            }
        }
    }

    /// <summary>The line, for messages.</summary>
    public string Text { get; }

    public bool AtEnd => _next >= _words.Count;

    public string? Peek() => _next < _words.Count ? _words[_next] : null;

    public string Next() => _next < _words.Count ? _words[_next++] : throw Unsupported("more words");

    public bool TryTake(string word)
    {
        if (Peek() != word) return false;
        _next++;
        return true;
    }

    public void Expect(string word)
    {
        if (!TryTake(word)) throw Unsupported($"'{word}'");
    }

    /// <summary>The words of a braced list (<c>{ a, b . c }</c>), each element as its words; the braces consumed.</summary>
    public List<List<string>> BracedList()
    {
        Expect("{");
        var elements = new List<List<string>>((_words.Count - _next) / 2);
        // Most elements are one word (an address, a port, an interface name).
        var current = new List<string>(1);
        while (true)
        {
            var word = Next();
            if (word is "," or "}")
            {
                if (current.Count > 0) elements.Add(current);
                current = new List<string>(1);
                if (word == "}") return elements;
            }
            else
            {
                current.Add(word);
            }
        }
    }

    public NftUnsupportedException Unsupported(string expected)
    {
        var at = Peek() is { } word ? $"'{word}'" : "the end";
        return new NftUnsupportedException($"expected {expected} at {at} in: {Text}");
    }
}
