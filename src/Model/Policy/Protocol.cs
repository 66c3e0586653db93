using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CniNet.Model.Policy;

/// <summary>
/// An IP protocol as Calico's <c>numorstring.Protocol</c>: one of the names TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite, or
/// a protocol number. The default value is protocol number 0, as in Calico.
/// </summary>
[JsonConverter(typeof(ProtocolJsonConverter))]
public readonly record struct Protocol
{
    private static readonly (string Name, byte Number)[] Known =
    [
        ("TCP", 6), ("UDP", 17), ("ICMP", 1), ("ICMPv6", 58), ("SCTP", 132), ("UDPLite", 136),
    ];

    public static readonly Protocol Tcp = new("TCP", 6);
    public static readonly Protocol Udp = new("UDP", 17);
    public static readonly Protocol Icmp = new("ICMP", 1);
    public static readonly Protocol IcmpV6 = new("ICMPv6", 58);
    public static readonly Protocol Sctp = new("SCTP", 132);
    public static readonly Protocol UdpLite = new("UDPLite", 136);

    private Protocol(string? name, byte number)
    {
        Name = name;
        Number = number;
    }

    /// <summary>The canonical name, or null when the protocol was given as a number.</summary>
    public string? Name { get; }

    /// <summary>The IP protocol number, whether the protocol was given by name or number.</summary>
    public byte Number { get; }

    [MemberNotNullWhen(true, nameof(Name))]
    public bool IsNamed => Name is not null;

    /// <summary>TCP, UDP and SCTP: the protocols a rule may combine with ports.</summary>
    public bool SupportsPorts => Number is 6 or 17 or 132;

    public static Protocol FromNumber(byte number) => new(null, number);

    public static Protocol Parse(string text) =>
        TryParse(text, out var protocol, out var error) ? protocol : throw new FormatException(error);

    /// <summary>
    /// Parses a protocol name (case-insensitive, canonicalised as Calico's <c>ProtocolFromString</c> does) or a decimal
    /// number 0-255; a numeric string becomes a number, as Calico's unmarshalling does.
    /// </summary>
    public static bool TryParse(string? text, out Protocol protocol, [NotNullWhen(false)] out string? error)
    {
        protocol = default;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty protocol";
            return false;
        }
        if (char.IsAsciiDigit(text[0]))
        {
            if (!byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                error = $"invalid protocol number ({text}): must be 0-255";
                return false;
            }
            protocol = FromNumber(number);
            error = null;
            return true;
        }
        foreach (var (name, number) in Known)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                protocol = new Protocol(name, number);
                error = null;
                return true;
            }
        }
        error = $"unknown protocol ({text}): expected TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number 0-255";
        return false;
    }

    public override string ToString() => Name ?? Number.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Reads a protocol from a JSON number or string; writes names as strings and numbers as numbers.</summary>
public sealed class ProtocolJsonConverter : JsonConverter<Protocol>
{
    public override Protocol Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                if (!reader.TryGetByte(out var number))
                {
                    throw new JsonException("invalid protocol number: must be an integer 0-255");
                }
                return Protocol.FromNumber(number);
            case JsonTokenType.String:
                var text = reader.GetString();
                return Protocol.TryParse(text, out var protocol, out var error) ? protocol : throw new JsonException(error);
            default:
                throw new JsonException($"a protocol must be a number or a string, not {reader.TokenType}");
        }
    }

    public override void Write(Utf8JsonWriter writer, Protocol value, JsonSerializerOptions options)
    {
        if (value.IsNamed)
        {
            writer.WriteStringValue(value.Name);
        }
        else
        {
            writer.WriteNumberValue(value.Number);
        }
    }
}
