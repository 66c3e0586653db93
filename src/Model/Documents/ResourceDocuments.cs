using System.Text.Json;
using System.Text.Json.Nodes;
using CniNet.Model.Resources;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CniNet.Model.Documents;

/// <summary>
/// Reads resources as calicoctl accepts them: YAML or JSON, several YAML documents in one file, and <c>kind: List</c>
/// wrappers. YAML goes through YamlDotNet's representation model into JSON nodes and from there into the
/// source-generated contracts (YamlDotNet's own deserializer needs reflection).
/// </summary>
public static class ResourceDocuments
{
    public static IReadOnlyList<Resource> Parse(string text)
    {
        var resources = new List<Resource>();
        var number = 0;
        foreach (var document in YamlJson.Documents(text))
        {
            number++;
            if (document is not { } node) continue;
            if (node is not JsonObject obj) throw new ResourceParseException($"document {number}: expected a resource object");
            if (obj["kind"]?.GetValueKind() == JsonValueKind.String && (string?)obj["kind"] == "List")
            {
                var items = obj["items"] as JsonArray ?? throw new ResourceParseException($"document {number}: a List needs an items array");
                var index = 0;
                foreach (var item in items)
                    resources.Add(ToResource(item as JsonObject ?? throw new ResourceParseException($"document {number}, item {index}: expected a resource object"), $"document {number}, item {index++}"));
            }
            else
            {
                resources.Add(ToResource(obj, $"document {number}"));
            }
        }
        return resources;
    }

    private static Resource ToResource(JsonObject obj, string where)
    {
        var apiVersion = obj["apiVersion"]?.GetValueKind() == JsonValueKind.String ? (string?)obj["apiVersion"] : null;
        var kindName = obj["kind"]?.GetValueKind() == JsonValueKind.String ? (string?)obj["kind"] : null;
        if (string.IsNullOrEmpty(apiVersion)) throw new ResourceParseException($"{where}: apiVersion is missing");
        if (string.IsNullOrEmpty(kindName)) throw new ResourceParseException($"{where}: kind is missing");
        var kind = ResourceKinds.ForDocument(apiVersion, kindName)
                   ?? throw new ResourceParseException($"{where}: resource type '{kindName}' with apiVersion '{apiVersion}' is not supported");
        try
        {
            var resource = (Resource?)obj.Deserialize(kind.TypeInfo) ?? throw new ResourceParseException($"{where}: empty resource");
            if (string.IsNullOrEmpty(resource.Metadata.Name)) throw new ResourceParseException($"{where}: {kindName} metadata.name is missing");
            return resource;
        }
        catch (JsonException e)
        {
            throw new ResourceParseException($"{where} ({kindName}): field {e.Path ?? "?"}: {FirstSentence(e.Message)}", e);
        }
    }

    private static string FirstSentence(string message) => message.Split(". Path:")[0];

    /// <summary>A resource as YAML, the way <c>calicoctl get -o yaml</c> prints it.</summary>
    public static string ToYaml(IEnumerable<JsonNode?> documents)
    {
        var stream = new YamlStream();
        foreach (var document in documents) stream.Documents.Add(new YamlDocument(ToYaml(document)));
        var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        return writer.ToString().Replace("\n...\n", "\n").TrimEnd('.', '\n') + "\n";
    }

    private static YamlNode ToYaml(JsonNode? node) => node switch
    {
        JsonObject obj => new YamlMappingNode(obj.Select(kv => new KeyValuePair<YamlNode, YamlNode>(new YamlScalarNode(kv.Key), ToYaml(kv.Value)))),
        JsonArray array => new YamlSequenceNode(array.Select(ToYaml)),
        null => new YamlScalarNode("null") { Style = ScalarStyle.Plain },
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => StringScalar(value.GetValue<string>()),
            JsonValueKind.True => new YamlScalarNode("true"),
            JsonValueKind.False => new YamlScalarNode("false"),
            _ => new YamlScalarNode(value.ToJsonString()),
        },
        _ => throw new ArgumentException("unknown JSON node"),
    };

    /// <summary>Strings that YAML would read back as another type are quoted.</summary>
    private static YamlScalarNode StringScalar(string text) =>
        YamlJson.Scalar(new YamlScalarNode(text)) is JsonValue v && v.GetValueKind() == JsonValueKind.String && text.Trim() == text && text.Length > 0
            ? new YamlScalarNode(text)
            : new YamlScalarNode(text) { Style = ScalarStyle.DoubleQuoted };
}
