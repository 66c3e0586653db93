using CniNet.Model.Selectors;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CniNet.Tests.Property;

public sealed class SelectorTests
{
    private static readonly Dictionary<string, string> NoLabels = [];

    private static Dictionary<string, string> Labels(string key, string value) => new() { [key] = value };

    // ---- absent and present labels -----------------------------------------------------------------------

    [Theory]
    [InlineData("k == 'v'", false)]
    [InlineData("k != 'v'", true)]
    [InlineData("k in {'v'}", false)]
    [InlineData("k not in {'v'}", true)]
    [InlineData("k notin {'v'}", true)]
    [InlineData("k in {}", false)]
    [InlineData("k not in {}", true)]
    [InlineData("k contains 'v'", false)]
    [InlineData("k contains ''", false)]
    [InlineData("k starts with 'v'", false)]
    [InlineData("k starts with ''", false)]
    [InlineData("k ends with 'v'", false)]
    [InlineData("k ends with ''", false)]
    [InlineData("has(k)", false)]
    [InlineData("!has(k)", true)]
    [InlineData("!k == 'v'", true)]
    [InlineData("!k != 'v'", false)]
    [InlineData("all()", true)]
    [InlineData("global()", true)]
    [InlineData("", true)]
    public void Absent_label_follows_calico(string text, bool expected)
    {
        var selector = Selector.Parse(text);

        Assert.Equal(expected, selector.Matches(null));
        Assert.Equal(expected, selector.Matches(NoLabels));
        Assert.Equal(expected, selector.Matches(Labels("other", "v")));
    }

    [Theory]
    [InlineData("k == 'v'", "v", true)]
    [InlineData("k == 'v'", "vv", false)]
    [InlineData("k == ''", "", true)]
    [InlineData("k != 'v'", "v", false)]
    [InlineData("k != 'v'", "w", true)]
    [InlineData("k in {'a', 'v'}", "v", true)]
    [InlineData("k in {'a', 'b'}", "v", false)]
    [InlineData("k not in {'a', 'v'}", "v", false)]
    [InlineData("k not in {'a', 'b'}", "v", true)]
    [InlineData("k contains 'bc'", "abcd", true)]
    [InlineData("k contains 'BC'", "abcd", false)]
    [InlineData("k contains ''", "", true)]
    [InlineData("k starts with 'ab'", "abcd", true)]
    [InlineData("k starts with 'bc'", "abcd", false)]
    [InlineData("k ends with 'cd'", "abcd", true)]
    [InlineData("k ends with 'bc'", "abcd", false)]
    [InlineData("has(k)", "", true)]
    [InlineData("!has(k)", "", false)]
    public void Present_label_compares_its_value(string text, string value, bool expected) =>
        Assert.Equal(expected, Selector.Parse(text).Matches(Labels("k", value)));

    // ---- grammar -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("a", true)]
    [InlineData("b", false)]
    [InlineData("c", false)]
    [InlineData("bc", true)]
    public void And_binds_tighter_than_or(string present, bool expected)
    {
        var labels = present.ToDictionary(c => c.ToString(), _ => "1");
        var selector = Selector.Parse("a == '1' || b == '1' && c == '1'");

        Assert.Equal(expected, selector.Matches(labels));
        Assert.Equal("""(a == "1" || (b == "1" && c == "1"))""", selector.ToString());
    }

    [Fact]
    public void Parentheses_override_precedence()
    {
        var selector = Selector.Parse("(a == '1' || b == '1') && c == '1'");

        Assert.False(selector.Matches(Labels("a", "1")));
        Assert.Equal("""((a == "1" || b == "1") && c == "1")""", selector.ToString());
    }

    [Theory]
    [InlineData("has(a)", true, "has(a)")]
    [InlineData("!has(a)", false, "!has(a)")]
    [InlineData("!!has(a)", true, "has(a)")]
    [InlineData("! !has(a)", true, "has(a)")]
    [InlineData("!!!has(a)", false, "!has(a)")]
    [InlineData("!! ! has(a)", false, "!has(a)")]
    [InlineData("!!!!has(a)", true, "has(a)")]
    [InlineData("!(!has(a))", true, "!!has(a)")]
    [InlineData("!(has(a) && a == 'x')", false, """!(has(a) && a == "x")""")]
    [InlineData("!all()", false, "!all()")]
    [InlineData("!a == 'x'", false, "!a == \"x\"")]
    [InlineData("!a == 'y'", true, "!a == \"y\"")]
    public void Bang_may_repeat_and_applies_to_one_operation(string text, bool expected, string canonical)
    {
        var selector = Selector.Parse(text);

        Assert.Equal(expected, selector.Matches(Labels("a", "x")));
        Assert.Equal(canonical, selector.ToString());
    }

    [Theory]
    [InlineData("a not in {'x'}")]
    [InlineData("a notin {'x'}")]
    [InlineData("a not\tin{'x'}")]
    [InlineData("a  not   in   {  'x'  }")]
    public void Notin_is_an_alias_of_not_in(string text)
    {
        var selector = Selector.Parse(text);

        Assert.Equal("""a not in {"x"}""", selector.ToString());
        Assert.False(selector.Matches(Labels("a", "x")));
        Assert.True(selector.Matches(Labels("a", "y")));
    }

    [Theory]
    [InlineData("a startswith 'x'", "a starts with \"x\"")]
    [InlineData("a endswith 'x'", "a ends with \"x\"")]
    [InlineData("a contains'x'", "a contains \"x\"")]
    [InlineData("a in{'x'}", """a in {"x"}""")]
    public void Operator_words_match_as_prefixes_like_calicos_tokenizer(string text, string canonical) =>
        Assert.Equal(canonical, Selector.Parse(text).ToString());

    [Theory]
    [InlineData("a == 'x'", "a == \"x\"")]
    [InlineData("a == \"x\"", "a == \"x\"")]
    [InlineData("a == '\"'", """a == '"'""")]
    [InlineData("a == \"'\"", "a == \"'\"")]
    [InlineData("a contains '\"'", """a contains '"'""")]
    [InlineData("a!='\"'", """a != '"'""")]
    [InlineData("a in {\"'\", '\"', \"c\"}", """a in {'"', "'", "c"}""")]
    public void Both_quote_styles_are_accepted_and_canonicalised(string text, string canonical) =>
        Assert.Equal(canonical, Selector.Parse(text).ToString());

    [Fact]
    public void Quoted_values_keep_spaces_and_operator_characters()
    {
        var selector = Selector.Parse("a == ' x && y || (z) '");

        Assert.True(selector.Matches(Labels("a", " x && y || (z) ")));
        Assert.Equal("a == \" x && y || (z) \"", selector.ToString());
    }

    [Theory]
    [InlineData("a=='b'&&!has(c)||d in{'e','f',}")]
    [InlineData("  a == 'b'  &&  ! has( c )  ||  d  in  {  'e' ,  'f' , }  ")]
    [InlineData("\ta\t==\t'b'\t&&\t!\thas(\tc\t)\t||\td\tin\t{\t'e'\t,\t'f'\t,\t}\t")]
    [InlineData("((a == 'b') && (!has(c))) || (d in {'f', 'e', 'e'})")]
    public void Whitespace_is_optional_between_tokens(string text)
    {
        var selector = Selector.Parse(text);

        Assert.Equal("""((a == "b" && !has(c)) || d in {"e", "f"})""", selector.ToString());
        Assert.True(selector.Matches(Labels("a", "b")));
        Assert.True(selector.Matches(Labels("d", "f")));
        Assert.False(selector.Matches(new Dictionary<string, string> { ["a"] = "b", ["c"] = "" }));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t \t")]
    [InlineData("all()")]
    [InlineData(" ( all( ) ) ")]
    public void Empty_selector_is_all(string text)
    {
        var selector = Selector.Parse(text);

        Assert.Equal("all()", selector.ToString());
        Assert.True(selector.Matches(null));
        Assert.True(selector.Matches(Labels("a", "b")));
        Assert.False(selector.UsesGlobal);
    }

    [Fact]
    public void All_is_the_parsed_empty_selector() => Assert.Same(Selector.All, Selector.Parse(""));

    [Theory]
    [InlineData("has == 'x'", "has")]
    [InlineData("all in {'x'}", "all")]
    [InlineData("global != 'y'", "global")]
    [InlineData("not in {'x'}", "not")]
    [InlineData("in == 'x'", "in")]
    [InlineData("contains contains 'x'", "contains")]
    [InlineData("k8s.io/app-name_1 == 'x'", "k8s.io/app-name_1")]
    [InlineData("has(-./_9)", "-./_9")]
    public void Keywords_and_punctuation_are_valid_label_names(string text, string label) =>
        Assert.True(Selector.Parse(text).Matches(Labels(label, "x")));

    [Fact]
    public void In_sets_are_sorted_and_deduplicated()
    {
        var selector = Selector.Parse("a in {'z', 'x', 'y', 'x', 'a'}");

        Assert.Equal("""a in {"a", "x", "y", "z"}""", selector.ToString());
        Assert.True(selector.Matches(Labels("a", "y")));
        Assert.False(selector.Matches(Labels("a", "b")));
    }

    [Theory]
    [InlineData("! (has( b)||! has(a ))", "!(has(b) || !has(a))")]
    [InlineData("! (a == \"b\"&&! c != \"d\")", """!(a == "b" && !c != "d")""")]
    [InlineData("!(!(k == 'v' && has(t) || all()) && (a in {'b', 'c'}))",
        """!(!((k == "v" && has(t)) || all()) && a in {"b", "c"})""")]
    [InlineData("a == 'b' && c == 'd' && e == 'f'", """(a == "b" && c == "d" && e == "f")""")]
    [InlineData("(a == 'b' && c == 'd') && e == 'f'", """((a == "b" && c == "d") && e == "f")""")]
    public void Canonical_form_matches_libcalico_go(string text, string canonical) =>
        Assert.Equal(canonical, Selector.Parse(text).ToString());

    [Theory]
    [InlineData("global()", true)]
    [InlineData("has(a) || !global()", true)]
    [InlineData("(a == 'b' && (global()))", true)]
    [InlineData("all()", false)]
    [InlineData("has(global)", false)]
    [InlineData("global == 'x'", false)]
    [InlineData("a == 'global()'", false)]
    public void UsesGlobal_reports_any_global_call(string text, bool expected) =>
        Assert.Equal(expected, Selector.Parse(text).UsesGlobal);

    // ---- errors ------------------------------------------------------------------------------------------

    [Fact]
    public void Error_message_names_selector_position_and_expectation()
    {
        var error = Assert.Throws<SelectorParseException>(() => Selector.Parse("a == "));

        Assert.Equal("selector \"a == \" at position 5: expected a quoted string", error.Message);
        Assert.Equal(5, error.Position);
        Assert.Equal("a == ", error.SelectorText);
        Assert.Equal("expected a quoted string", error.Reason);
    }

    [Theory]
    [InlineData("a == ", 5, "expected a quoted string")]
    [InlineData("b == b", 5, "expected a quoted string")]
    [InlineData("a = 'b'", 2, "expected an operator")]
    [InlineData("a", 1, "expected an operator")]
    [InlineData("a b", 2, "expected an operator")]
    [InlineData("has (a)", 4, "expected an operator")]
    [InlineData("'b1' == b", 0, "expected a label")]
    [InlineData("%", 0, "expected a label")]
    [InlineData("!", 1, "expected a label")]
    [InlineData("()", 1, "expected a label")]
    [InlineData(")", 0, "expected a label")]
    [InlineData("has(foo) &&", 11, "expected a label")]
    [InlineData("a == 'b' || %", 12, "expected a label")]
    [InlineData("a == 'b", 7, "expected a closing ' for the string at position 5")]
    [InlineData("a in {'x\", \"y\"}", 15, "expected a closing ' for the string at position 6")]
    [InlineData("\"FOO'", 0, "expected a label")]
    [InlineData("foo == \"bar\" &", 13, "expected '&&', '||' or end of selector")]
    [InlineData("foo == \"bar\" |", 13, "expected '&&', '||' or end of selector")]
    [InlineData("a == 'b' c == 'd'", 9, "expected '&&', '||' or end of selector")]
    [InlineData("(a == \"foo\"", 11, "expected '&&', '||' or ')'")]
    [InlineData("a in \"x\"", 5, "expected '{'")]
    [InlineData("a in {\"x\" \"y\"}", 10, "expected ',' or '}'")]
    [InlineData("a in {,}", 6, "expected a quoted string or '}'")]
    [InlineData("a in {'x',,}", 10, "expected a quoted string or '}'")]
    [InlineData("a in {'x'", 9, "expected ',' or '}'")]
    [InlineData("has(", 4, "expected a label name")]
    [InlineData("has()", 4, "expected a label name")]
    [InlineData("has(a", 5, "expected ')'")]
    [InlineData("all(x)", 4, "expected ')'")]
    [InlineData("global(", 7, "expected ')'")]
    [InlineData("a starts 'x'", 9, "expected 'with'")]
    [InlineData("a ends", 6, "expected 'with'")]
    [InlineData("a not {'x'}", 6, "expected 'in'")]
    public void Malformed_selector_reports_position_and_expectation(string text, int position, string reason)
    {
        var error = Assert.Throws<SelectorParseException>(() => Selector.Parse(text));

        Assert.Equal(position, error.Position);
        Assert.StartsWith(reason, error.Reason, StringComparison.Ordinal);
        Assert.False(Selector.TryParse(text, out var selector, out var message));
        Assert.Null(selector);
        Assert.Equal(error.Message, message);
    }

    [Fact]
    public void Newline_is_not_whitespace_as_in_calico()
    {
        var error = Assert.Throws<SelectorParseException>(() => Selector.Parse("a == 'b'\n&& has(c)"));

        Assert.Equal(8, error.Position);
    }

    [Fact]
    public void Labels_are_limited_to_512_characters()
    {
        var longest = new string('x', 512);

        Assert.True(Selector.Parse($"has({longest})").Matches(Labels(longest, "")));
        var error = Assert.Throws<SelectorParseException>(() => Selector.Parse($"a == 'b' || {longest}y == 'c'"));
        Assert.Equal(12, error.Position);
        Assert.Contains("512", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_succeeds_without_error()
    {
        Assert.True(Selector.TryParse("has(a)", out var selector, out var error));
        Assert.Null(error);
        Assert.Equal("has(a)", selector.ToString());
    }

    // ---- hot path ----------------------------------------------------------------------------------------

    [Fact]
    public void Matches_does_not_allocate()
    {
        var selector = Selector.Parse(
            "(a == 'x' || b in {'p', 'q', 'r'}) && !has(c) && d not in {'z'} && e starts with 'pre' || f contains 'mid'");
        var labels = new Dictionary<string, string> { ["a"] = "x", ["d"] = "y", ["e"] = "prefix", ["f"] = "amidst" };
        var matched = 0;
        for (var i = 0; i < 100; i++)
        {
            matched += selector.Matches(labels) ? 1 : 0;
            matched += selector.Matches(null) ? 1 : 0;
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            matched += selector.Matches(labels) ? 1 : 0;
            matched += selector.Matches(null) ? 1 : 0;
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(10_100, matched);
    }

    [Theory]
    [InlineData("a == 'x'", "a", "x")]
    [InlineData("b == 'y' && a == 'x'", "b", "y")]
    [InlineData("has(c) && (a == 'x' && b != 'z')", "a", "x")]
    [InlineData("a == 'x' || b == 'y'", null, null)]
    [InlineData("!a == 'x'", null, null)]
    [InlineData("a in {'x'}", null, null)]
    [InlineData("all()", null, null)]
    public void Required_label_is_an_equality_the_whole_selector_implies(string text, string? key, string? value) =>
        Assert.Equal(key is null ? null : new KeyValuePair<string, string>(key, value!), Selector.Parse(text).RequiredLabel);

    // ---- properties --------------------------------------------------------------------------------------

    [Fact]
    public void Random_selectors_evaluate_like_the_model_and_survive_a_round_trip() =>
        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(500),
            Prop.ForAll(
                Gen.Sized(size => GenCase(Math.Min(size, 24))).ToArbitrary(),
                LabelMapGen.ArrayOf(8).ToArbitrary(),
                (@case, labelMaps) =>
                {
                    var parsed = Selector.Parse(@case.Text);
                    var canonical = parsed.ToString();
                    var reparsed = Selector.Parse(canonical);
                    var recanonical = reparsed.ToString();

                    foreach (var labels in labelMaps.Append(NoLabels))
                    {
                        Assert.Equal(Evaluate(@case.Model, labels), parsed.Matches(labels));
                        Assert.Equal(parsed.Matches(labels), reparsed.Matches(labels));
                        if (parsed.RequiredLabel is { } required && parsed.Matches(labels))
                        {
                            Assert.Equal(required.Value, labels.GetValueOrDefault(required.Key));
                        }
                    }
                    Assert.Equal(UsesGlobal(@case.Model), parsed.UsesGlobal);
                    Assert.Equal(parsed.UsesGlobal, reparsed.UsesGlobal);

                    // Fixed point after one round trip. Calico folds only adjacent "!"s, so "!(!x)" prints as
                    // "!!x", which re-parses to x: that is the one shape that may change on the first trip.
                    Assert.Equal(recanonical, Selector.Parse(recanonical).ToString());
                    if (!canonical.Contains("!!", StringComparison.Ordinal))
                    {
                        Assert.Equal(canonical, recanonical);
                    }
                }));

    [Fact]
    public void Garbage_is_rejected_only_with_a_positioned_error() =>
        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(2000),
            Prop.ForAll(
                Gen.Elements("a", "b", " ", "\t", "=", "!", "&", "|", "(", ")", "{", "}", ",", "'", "\"", "in",
                        "not", "has(", "all(", "global(", "contains", "starts", "with", "==", "&&", "||", "%")
                    .ArrayOf()
                    .Select(parts => string.Concat(parts))
                    .ToArbitrary(),
                text =>
                {
                    var ok = Selector.TryParse(text, out var selector, out var error);
                    try
                    {
                        var parsed = Selector.Parse(text);
                        Assert.True(ok, error);
                        Assert.Equal(selector!.ToString(), parsed.ToString());
                        var canonical = Selector.Parse(parsed.ToString()).ToString();
                        Assert.Equal(canonical, Selector.Parse(canonical).ToString());
                    }
                    catch (SelectorParseException e)
                    {
                        Assert.False(ok);
                        Assert.Equal(e.Message, error);
                        Assert.InRange(e.Position, 0, text.Length);
                    }
                }));

    // ---- model: an independent statement of Calico's semantics, rendered with random surface syntax --------

    private abstract record Expr;

    private sealed record Compare(string Op, string Label, string Value) : Expr;

    private sealed record InSet(bool Negated, string Label, string[] Values) : Expr;

    private sealed record Has(string Label) : Expr;

    private sealed record Constant(bool IsGlobal) : Expr;

    private sealed record Not(Expr Operand) : Expr;

    private sealed record Junction(bool IsAnd, Expr[] Operands) : Expr;

    /// <summary>A model expression and one of the many texts that spell it.</summary>
    private sealed record Case(Expr Model, string Text)
    {
        public override string ToString() => Text;
    }

    private static readonly string[] LabelPool =
        ["a", "b", "app", "k8s.io/name", "x-y_z.1", "has", "in", "not", "all", "global"];

    private static readonly string[] ValuePool = ["", "v", "V", "va", "av", "vav", "a'b", "a\"b", "x y", "(", "!"];

    private static readonly Gen<string> Ws = Gen.Elements("", " ", "\t", "  ", " \t");

    private static readonly Gen<string> Ws1 = Gen.Elements(" ", "\t", " \t");

    private static readonly Gen<Dictionary<string, string>> LabelMapGen =
        from keys in Gen.SubListOf(LabelPool)
        from values in Gen.Elements(ValuePool).ArrayOf(keys.Count)
        select keys.Zip(values).ToDictionary(kv => kv.First, kv => kv.Second);

    private static bool Evaluate(Expr model, IReadOnlyDictionary<string, string> labels) => model switch
    {
        Compare c => labels.TryGetValue(c.Label, out var v)
            ? c.Op switch
            {
                "==" => v == c.Value,
                "!=" => v != c.Value,
                "contains" => v.Contains(c.Value, StringComparison.Ordinal),
                "starts with" => v.StartsWith(c.Value, StringComparison.Ordinal),
                _ => v.EndsWith(c.Value, StringComparison.Ordinal),
            }
            : c.Op == "!=",
        InSet s => labels.TryGetValue(s.Label, out var v) ? s.Values.Contains(v) != s.Negated : s.Negated,
        Has h => labels.ContainsKey(h.Label),
        Constant => true,
        Not n => !Evaluate(n.Operand, labels),
        Junction { IsAnd: true } j => j.Operands.All(o => Evaluate(o, labels)),
        Junction j => j.Operands.Any(o => Evaluate(o, labels)),
        _ => throw new ArgumentOutOfRangeException(nameof(model)),
    };

    private static bool UsesGlobal(Expr model) => model switch
    {
        Constant c => c.IsGlobal,
        Not n => UsesGlobal(n.Operand),
        Junction j => j.Operands.Any(UsesGlobal),
        _ => false,
    };

    private static Gen<Case> GenCase(int size) =>
        from inner in GenExpr(size)
        from before in Ws
        from after in Ws
        select inner with { Text = before + inner.Text + after };

    private static Gen<Case> GenExpr(int size)
    {
        if (size <= 1)
        {
            return GenLeaf();
        }
        return Gen.Frequency(
            (3, GenLeaf()),
            (2, from c in Deferred(() => GenExpr(size / 2))
                from w in Ws
                select new Case(new Not(c.Model), "!" + w + Grouped(c, "!"))),
            (1, from c in Deferred(() => GenExpr(size - 1))
                from w in Ws
                select c with { Text = "!!" + w + Grouped(c, "!") }),
            (1, from c in Deferred(() => GenExpr(size - 1))
                from w1 in Ws
                from w2 in Ws
                select c with { Text = "(" + w1 + c.Text + w2 + ")" }),
            (2, Deferred(() => GenJunction(size, isAnd: true))),
            (2, Deferred(() => GenJunction(size, isAnd: false))));
    }

    // Builds the sub-generator only when it is drawn from; building eagerly would be exponential in size.
    private static Gen<Case> Deferred(Func<Gen<Case>> create) => Gen.Sized(_ => create());

    private static Gen<Case> GenJunction(int size, bool isAnd) =>
        from count in Gen.Choose(2, 4)
        from operands in GenExpr(size / count).ArrayOf(count)
        from w1 in Ws
        from w2 in Ws
        select new Case(
            new Junction(isAnd, [.. operands.Select(o => o.Model)]),
            string.Join(w1 + (isAnd ? "&&" : "||") + w2, operands.Select(o => Grouped(o, isAnd ? "&&" : "||"))));

    // "&&" binds tighter than "||", and "!" tighter than both, so looser groups under them need parentheses.
    private static string Grouped(Case operand, string context) => operand.Model switch
    {
        Junction { IsAnd: false } when context != "||" => "(" + operand.Text + ")",
        Junction when context == "!" => "(" + operand.Text + ")",
        _ => operand.Text,
    };

    private static Gen<Case> GenLeaf() => Gen.OneOf(
        from op in Gen.Elements("==", "!=", "contains", "starts with", "ends with")
        from label in Gen.Elements(LabelPool)
        from value in Gen.Elements(ValuePool)
        from quoted in Quoted(value)
        from gap in op.StartsWith('=') || op.StartsWith('!') ? Ws : Ws1
        from w in Ws
        from spelling in op.EndsWith(" with", StringComparison.Ordinal)
            ? Ws.Select(inner => op.Replace(" ", inner, StringComparison.Ordinal))
            : Gen.Constant(op)
        select new Case(new Compare(op, label, value), label + gap + spelling + w + quoted),
        from negated in Gen.Elements(false, true)
        from label in Gen.Elements(LabelPool)
        from count in Gen.Choose(0, 3)
        from values in Gen.Elements(ValuePool).ListOf(count)
        from quoted in Gen.CollectToArray(values, Quoted)
        from spelling in negated ? Ws.Select(inner => "not" + inner + "in") : Gen.Constant("in")
        from gap in Ws1
        from w1 in Ws
        from w2 in Ws
        from trailingComma in values.Count > 0 ? Gen.Elements(false, true) : Gen.Constant(false)
        select new Case(
            new InSet(negated, label, [.. values]),
            label + gap + spelling + w1 + "{" + w2 + string.Join(w2 + "," + w1, quoted)
                + (trailingComma ? "," : "") + w1 + "}"),
        from label in Gen.Elements(LabelPool)
        from w1 in Ws
        from w2 in Ws
        select new Case(new Has(label), "has(" + w1 + label + w2 + ")"),
        from isGlobal in Gen.Elements(false, true)
        from w in Ws
        select new Case(new Constant(isGlobal), (isGlobal ? "global(" : "all(") + w + ")"));

    // No escapes exist: a value holding one quote character must be wrapped in the other.
    private static Gen<string> Quoted(string value) =>
        value.Contains('"') ? Gen.Constant("'" + value + "'")
        : value.Contains('\'') ? Gen.Constant("\"" + value + "\"")
        : Gen.Elements("'" + value + "'", "\"" + value + "\"");
}
