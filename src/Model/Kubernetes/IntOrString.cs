using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CniNet.Model.Kubernetes;

/// <summary>Kubernetes' <c>intstr.IntOrString</c>: a JSON number or a JSON string (a named port, for instance).</summary>
[JsonConverter(typeof(IntOrStringJsonConverter))]
public readonly record struct IntOrString
{
    private IntOrString(int number, string? text)
    {
        Number = number;
        Text = text;
    }

    public int Number { get; }

    /// <summary>The string form, or null when the value is a number.</summary>
    public string? Text { get; }

    [MemberNotNullWhen(true, nameof(Text))]
    public bool IsString => Text is not null;

    public static IntOrString FromInt(int number) => new(number, null);

    public static IntOrString FromString(string text) => new(0, text ?? throw new ArgumentNullException(nameof(text)));

    public override string ToString() => Text ?? Number.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Reads and writes <see cref="IntOrString"/> as the JSON number or string it is.</summary>
public sealed class IntOrStringJsonConverter : JsonConverter<IntOrString>
{
    public override IntOrString Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Number when reader.TryGetInt32(out var number) => IntOrString.FromInt(number),
            JsonTokenType.String => IntOrString.FromString(reader.GetString()!),
            _ => throw new JsonException($"expected an integer or a string, not {reader.TokenType}"),
        };

    public override void Write(Utf8JsonWriter writer, IntOrString value, JsonSerializerOptions options)
    {
        if (value.IsString)
        {
            writer.WriteStringValue(value.Text);
        }
        else
        {
            writer.WriteNumberValue(value.Number);
        }
    }
}
