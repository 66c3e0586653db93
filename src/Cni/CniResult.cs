using System.Net;
using System.Text;
using System.Text.Json;

namespace CniNet.Cni;

/// <summary>
/// A CNI result, written in exactly the shape of the requested spec version (0.3.0-0.4.0 carry <c>ips[].version</c>,
/// 1.0.0 dropped it, 1.1.0 adds <c>interfaces[].mtu</c>) and read from any version a runtime or delegate may send,
/// including the 0.1/0.2 <c>ip4</c>/<c>ip6</c> form, a missing <c>cniVersion</c> and an empty <c>dns</c>.
/// </summary>
public sealed record CniResult(IReadOnlyList<CniInterface> Interfaces, IReadOnlyList<CniIPConfig> IPs, IReadOnlyList<CniRoute> Routes, CniDns? Dns)
{
    public static readonly CniResult Empty = new([], [], [], null);

    public string ToJson(string cniVersion)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("cniVersion", cniVersion);
            if (Interfaces.Count > 0)
            {
                w.WriteStartArray("interfaces");
                foreach (var i in Interfaces)
                {
                    w.WriteStartObject();
                    w.WriteString("name", i.Name);
                    if (i.Mac is not null) w.WriteString("mac", i.Mac);
                    if (i.Mtu is { } mtu && CniVersions.Compare(cniVersion, "1.1.0") >= 0) w.WriteNumber("mtu", mtu);
                    if (i.Sandbox is not null) w.WriteString("sandbox", i.Sandbox);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            if (IPs.Count > 0)
            {
                w.WriteStartArray("ips");
                foreach (var ip in IPs)
                {
                    w.WriteStartObject();
                    if (CniVersions.ResultHasIpVersion(cniVersion)) w.WriteString("version", ip.Address.IsV6 ? "6" : "4");
                    w.WriteString("address", ip.Address.ToString());
                    if (ip.Gateway is not null) w.WriteString("gateway", ip.Gateway.ToString());
                    if (ip.Interface is { } index) w.WriteNumber("interface", index);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            if (Routes.Count > 0)
            {
                w.WriteStartArray("routes");
                foreach (var r in Routes)
                {
                    w.WriteStartObject();
                    w.WriteString("dst", r.Destination.ToString());
                    if (r.Gateway is not null) w.WriteString("gw", r.Gateway.ToString());
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteStartObject("dns");
            if (Dns is { } dns)
            {
                WriteList(w, "nameservers", dns.Nameservers);
                if (dns.Domain is not null) w.WriteString("domain", dns.Domain);
                WriteList(w, "search", dns.Search);
                WriteList(w, "options", dns.Options);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteList(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        if (values.Count == 0) return;
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    /// <summary>Reads a result of any spec version; a malformed one is a decode error (code 6).</summary>
    public static CniResult Parse(JsonElement json)
    {
        try
        {
            if (json.ValueKind != JsonValueKind.Object) throw new FormatException("a result must be a JSON object");
            return json.TryGetProperty("ip4", out _) || json.TryGetProperty("ip6", out _) ? ParseLegacy(json) : ParseCurrent(json);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException)
        {
            throw new CniException(CniErrorCode.DecodeFailure, $"cannot decode the CNI result: {e.Message}");
        }
    }

    private static CniResult ParseCurrent(JsonElement json)
    {
        var interfaces = Array(json, "interfaces").Select(i => new CniInterface(
            i.GetProperty("name").GetString() ?? "", Str(i, "mac"), Str(i, "sandbox"),
            i.TryGetProperty("mtu", out var mtu) && mtu.ValueKind == JsonValueKind.Number ? mtu.GetInt32() : null)).ToList();
        var ips = Array(json, "ips").Select(i => new CniIPConfig(
            IPPrefix.Parse(i.GetProperty("address").GetString() ?? ""), Address(i, "gateway"),
            i.TryGetProperty("interface", out var index) && index.ValueKind == JsonValueKind.Number ? index.GetInt32() : null)).ToList();
        return new CniResult(interfaces, ips, ParseRoutes(json), ParseDns(json));
    }

    private static CniResult ParseLegacy(JsonElement json)
    {
        var ips = new List<CniIPConfig>();
        var routes = new List<CniRoute>();
        foreach (var family in new[] { "ip4", "ip6" })
        {
            if (!json.TryGetProperty(family, out var ip) || ip.ValueKind != JsonValueKind.Object) continue;
            ips.Add(new CniIPConfig(IPPrefix.Parse(ip.GetProperty("ip").GetString() ?? ""), Address(ip, "gateway")));
            routes.AddRange(ParseRoutes(ip));
        }
        return new CniResult([], ips, routes, ParseDns(json));
    }

    private static List<CniRoute> ParseRoutes(JsonElement json) =>
        Array(json, "routes").Select(r => new CniRoute(IPPrefix.Parse(r.GetProperty("dst").GetString() ?? ""), Address(r, "gw"))).ToList();

    private static CniDns? ParseDns(JsonElement json)
    {
        if (!json.TryGetProperty("dns", out var dns) || dns.ValueKind != JsonValueKind.Object) return null;
        var parsed = new CniDns(Strings(dns, "nameservers"), Str(dns, "domain"), Strings(dns, "search"), Strings(dns, "options"));
        return parsed.IsEmpty ? null : parsed;
    }

    private static IEnumerable<JsonElement> Array(JsonElement json, string name) =>
        json.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray() : [];

    private static List<string> Strings(JsonElement json, string name) =>
        Array(json, name).Select(e => e.GetString() ?? "").ToList();

    private static string? Str(JsonElement json, string name) =>
        json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static IPAddress? Address(JsonElement json, string name) =>
        Str(json, name) is { Length: > 0 } text
            ? IPAddress.TryParse(text, out var a) ? a : throw new FormatException($"\"{text}\" is not an IP address")
            : null;
}
