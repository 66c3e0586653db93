using System.Text.Json;
using System.Text.Json.Serialization;

namespace CniNet.Model.Ipam;

/// <summary>
/// The block is the object every allocation reads and writes, and the unknown-field bag it must keep (for blocks
/// written by other Calico versions) costs the source-generated serializer its fast path. This codec writes and
/// reads Calico's exact shape directly, keeping unknown fields; a property test holds it to the round trip.
/// </summary>
public sealed class IPAMBlockSpecConverter : JsonConverter<IPAMBlockSpec>
{
    public override void Write(Utf8JsonWriter writer, IPAMBlockSpec value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("cidr", value.Cidr);
        if (value.Affinity is not null) writer.WriteString("affinity", value.Affinity);
        if (value.AffinityClaimTime is { } claimed) writer.WriteString("affinityClaimTime", claimed);
        writer.WriteStartArray("allocations");
        foreach (var a in value.Allocations)
        {
            if (a is { } index) writer.WriteNumberValue(index);
            else writer.WriteNullValue();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("unallocated");
        foreach (var o in value.Unallocated) writer.WriteNumberValue(o);
        writer.WriteEndArray();
        writer.WriteStartArray("attributes");
        foreach (var attribute in value.Attributes) WriteAttribute(writer, attribute);
        writer.WriteEndArray();
        writer.WriteNumber("sequenceNumber", value.SequenceNumber);
        if (value.SequenceNumberForAllocation is { } sequences)
        {
            writer.WriteStartObject("sequenceNumberForAllocation");
            foreach (var (ordinal, seq) in sequences) writer.WriteNumber(ordinal, seq);
            writer.WriteEndObject();
        }
        writer.WriteBoolean("deleted", value.Deleted);
        writer.WriteBoolean("strictAffinity", value.StrictAffinity);
        if (value.HostAffinity is not null) writer.WriteString("hostAffinity", value.HostAffinity);
        if (value.Extra is { } extra)
        {
            foreach (var (name, element) in extra)
            {
                writer.WritePropertyName(name);
                element.WriteTo(writer);
            }
        }
        writer.WriteEndObject();
    }

    private static void WriteAttribute(Utf8JsonWriter writer, AllocationAttribute attribute)
    {
        writer.WriteStartObject();
        if (attribute.HandleId is not null) writer.WriteString("handle_id", attribute.HandleId);
        if (attribute.Secondary is { } secondary) WriteMap(writer, "secondary", secondary);
        if (attribute.AlternateOwnerAttrs is { } alternate) WriteMap(writer, "alternateOwnerAttrs", alternate);
        if (attribute.ReleasedAt is { } released) writer.WriteString("releasedAt", released);
        writer.WriteEndObject();
    }

    private static void WriteMap(Utf8JsonWriter writer, string name, Dictionary<string, string> map)
    {
        writer.WriteStartObject(name);
        foreach (var (k, v) in map) writer.WriteString(k, v);
        writer.WriteEndObject();
    }

    public override IPAMBlockSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        var spec = new IPAMBlockSpec();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "cidr":
                    spec.Cidr = reader.GetString() ?? "";
                    break;
                case "affinity":
                    spec.Affinity = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
                    break;
                case "affinityClaimTime":
                    spec.AffinityClaimTime = reader.TokenType == JsonTokenType.Null ? null : reader.GetDateTime();
                    break;
                case "allocations":
                    spec.Allocations = ReadArray(ref reader, static (ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null ? (int?)null : r.GetInt32());
                    break;
                case "unallocated":
                    spec.Unallocated = ReadArray(ref reader, static (ref Utf8JsonReader r) => r.GetInt32());
                    break;
                case "attributes":
                    spec.Attributes = ReadArray(ref reader, ReadAttribute);
                    break;
                case "sequenceNumber":
                    spec.SequenceNumber = reader.GetUInt64();
                    break;
                case "sequenceNumberForAllocation":
                    spec.SequenceNumberForAllocation = ReadMap(ref reader, static (ref Utf8JsonReader r) => r.GetUInt64());
                    break;
                case "deleted":
                    spec.Deleted = reader.GetBoolean();
                    break;
                case "strictAffinity":
                    spec.StrictAffinity = reader.GetBoolean();
                    break;
                case "hostAffinity":
                    spec.HostAffinity = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
                    break;
                default:
                    (spec.Extra ??= [])[name] = JsonElement.ParseValue(ref reader);
                    break;
            }
        }
        Expect(ref reader, JsonTokenType.EndObject);
        return spec;
    }

    private delegate T ReadValue<out T>(ref Utf8JsonReader reader);

    private static AllocationAttribute ReadAttribute(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        var attribute = new AllocationAttribute();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "handle_id":
                    attribute.HandleId = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
                    break;
                case "secondary":
                    attribute.Secondary = ReadMap(ref reader, static (ref Utf8JsonReader r) => r.GetString()!);
                    break;
                case "alternateOwnerAttrs":
                    attribute.AlternateOwnerAttrs = ReadMap(ref reader, static (ref Utf8JsonReader r) => r.GetString()!);
                    break;
                case "releasedAt":
                    attribute.ReleasedAt = reader.TokenType == JsonTokenType.Null ? null : reader.GetDateTime();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        Expect(ref reader, JsonTokenType.EndObject);
        return attribute;
    }

    private static List<T> ReadArray<T>(ref Utf8JsonReader reader, ReadValue<T> read)
    {
        if (reader.TokenType == JsonTokenType.Null) return [];
        Expect(ref reader, JsonTokenType.StartArray);
        var items = new List<T>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) items.Add(read(ref reader));
        return items;
    }

    private static Dictionary<string, T>? ReadMap<T>(ref Utf8JsonReader reader, ReadValue<T> read)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.StartObject);
        var map = new Dictionary<string, T>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            map[key] = read(ref reader);
        }
        return map;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType token)
    {
        if (reader.TokenType != token) throw new JsonException($"IPAMBlock spec: expected {token}, found {reader.TokenType}");
    }
}
