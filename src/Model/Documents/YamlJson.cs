using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CniNet.Model.Documents;

/// <summary>
/// YAML read as JSON nodes through YamlDotNet's representation model, so the source-generated JSON contracts can take
/// it from there (YamlDotNet's own deserializer needs reflection). Resource files and kubeconfigs both come this way.
/// </summary>
public static class YamlJson
{
    /// <summary>Every document of a YAML (or JSON) text; an empty document is null.</summary>
    public static IReadOnlyList<JsonNode?> Documents(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ResourceParseException($"malformed YAML at line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner fails this way (not with a YamlException) when input ends inside a flow collection.
            throw new ResourceParseException($"malformed YAML: the input ends inside an unfinished value (line {text.Count(c => c == '\n') + 1})", e);
        }
        return stream.Documents.Select(d => ToJson(d.RootNode)).ToList();
    }

    /// <summary>YAML 1.2 core-schema typing for plain scalars; quoted scalars stay strings.</summary>
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new ResourceParseException($"line {node.Start.Line}: unsupported YAML node"),
    };

    internal static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any)) return JsonValue.Create(text);
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)) return JsonValue.Create(integer);
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var big)) return JsonValue.Create(big);
        if (text.Length > 0 && (char.IsDigit(text[0]) || text[0] is '-' or '+' or '.') && text.Any(char.IsDigit)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)) return JsonValue.Create(real);
        return JsonValue.Create(text);
    }
}
