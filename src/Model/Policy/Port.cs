using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CniNet.Model.Policy;

/// <summary>
/// A port match in a rule or a Felix setting, as Calico's <c>numorstring.Port</c>: a single number, an inclusive range
/// <c>min:max</c>, or the name of an endpoint's named port. The default value is the single port 0, as in Calico.
/// </summary>
[JsonConverter(typeof(PortJsonConverter))]
public readonly record struct Port
{
    private Port(ushort min, ushort max, string? name)
    {
        MinPort = min;
        MaxPort = max;
        Name = name;
    }

    public ushort MinPort { get; }

    public ushort MaxPort { get; }

    /// <summary>The named port, or null for a number or range.</summary>
    public string? Name { get; }

    [MemberNotNullWhen(true, nameof(Name))]
    public bool IsNamed => Name is not null;

    public bool IsRange => Name is null && MinPort != MaxPort;

    public static Port Single(ushort port) => new(port, port, null);

    public static Port Range(ushort min, ushort max) =>
        min <= max
            ? new Port(min, max, null)
            : throw new ArgumentException(
                $"minimum port number ({min}) is greater than maximum port number ({max}) in port range");

    public static Port Named(string name) =>
        IsValidName(name)
            ? new Port(0, 0, name)
            : throw new ArgumentException($"invalid name for named port ({name})", nameof(name));

    public static Port Parse(string text) =>
        TryParse(text, out var port, out var error) ? port : throw new FormatException(error);

    /// <summary>Parses <c>"80"</c>, <c>"1000:2000"</c> or a port name, with Calico's rules and messages.</summary>
    public static bool TryParse(string? text, out Port port, [NotNullWhen(false)] out string? error)
    {
        port = default;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty port";
            return false;
        }

        if (IsAllDigits(text))
        {
            if (!ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var single))
            {
                error = $"invalid port format ({text}): port must be 0-65535";
                return false;
            }
            port = Single(single);
            error = null;
            return true;
        }

        var colon = text.IndexOf(':');
        if (colon > 0 && IsAllDigits(text.AsSpan(0, colon)) && IsAllDigits(text.AsSpan(colon + 1)))
        {
            if (!ushort.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var min))
            {
                error = $"invalid minimum port number in range ({text}): port must be 0-65535";
                return false;
            }
            if (!ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var max))
            {
                error = $"invalid maximum port number in range ({text}): port must be 0-65535";
                return false;
            }
            if (min > max)
            {
                error = $"minimum port number ({min}) is greater than maximum port number ({max}) in port range";
                return false;
            }
            port = new Port(min, max, null);
            error = null;
            return true;
        }

        if (!IsValidName(text))
        {
            error = $"invalid name for named port ({text})";
            return false;
        }
        port = new Port(0, 0, text);
        error = null;
        return true;
    }

    public bool Contains(ushort port) => !IsNamed && port >= MinPort && port <= MaxPort;

    public override string ToString() =>
        Name ?? (MinPort == MaxPort
            ? MinPort.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{MinPort}:{MaxPort}"));

    private static bool IsAllDigits(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return false;
        foreach (var c in text)
        {
            if (c is < '0' or > '9') return false;
        }
        return true;
    }

    // Calico's named-port pattern: ^[a-zA-Z0-9_.-]{1,128}$ (checked after the numeric forms).
    private static bool IsValidName(string name)
    {
        if (name.Length is 0 or > 128) return false;
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-')) return false;
        }
        return true;
    }
}

/// <summary>
/// Reads a port from a JSON number or string; writes single ports as numbers and ranges and names as strings,
/// which is how Calico marshals them.
/// </summary>
public sealed class PortJsonConverter : JsonConverter<Port>
{
    public override Port Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                if (!reader.TryGetUInt16(out var number))
                {
                    throw new JsonException("invalid port number: port must be an integer 0-65535");
                }
                return Port.Single(number);
            case JsonTokenType.String:
                var text = reader.GetString();
                return Port.TryParse(text, out var port, out var error) ? port : throw new JsonException(error);
            default:
                throw new JsonException($"a port must be a number or a string, not {reader.TokenType}");
        }
    }

    public override void Write(Utf8JsonWriter writer, Port value, JsonSerializerOptions options)
    {
        if (!value.IsNamed && !value.IsRange)
        {
            writer.WriteNumberValue(value.MinPort);
        }
        else
        {
            writer.WriteStringValue(value.ToString());
        }
    }
}
