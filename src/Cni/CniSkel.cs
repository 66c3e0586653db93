using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CniNet.Cni;

/// <summary>
/// The CNI dispatcher: reads <c>CNI_*</c> and stdin, validates them as the specification and libcni's skel do, calls
/// the plugin, and prints the result or the error object on stdout (stderr and the log file are for diagnostics).
/// </summary>
public static partial class CniSkel
{
    public const string Add = "ADD", Del = "DEL", Check = "CHECK", Version = "VERSION", Gc = "GC", Status = "STATUS";

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$")]
    private static partial Regex IdPattern();

    /// <summary>Runs one invocation and returns the process exit code.</summary>
    public static async Task<int> RunAsync(ICniPlugin plugin, IReadOnlyDictionary<string, string> env, Stream stdin, Stream stdout)
    {
        var version = CniVersions.Latest;
        try
        {
            var command = env.GetValueOrDefault("CNI_COMMAND") ?? "";
            if (command.Length == 0) throw new CniException(CniErrorCode.InvalidEnvironment, "required env variables [CNI_COMMAND] missing");
            byte[] input;
            try
            {
                // Synchronous on purpose here and on stdout: async pipe I/O would start thread-pool threads, a cost
                // a process that lives for one request pays at every start.
                using var buffer = new MemoryStream();
                stdin.CopyTo(buffer);
                input = buffer.ToArray();
            }
            catch (IOException e)
            {
                throw new CniException(CniErrorCode.IoFailure, $"error reading from stdin: {e.Message}");
            }
            if (command == Version)
            {
                // Runtimes call VERSION with dummy environment and a minimal config: only the version matters.
                Write(stdout, VersionAnswer(input));
                return 0;
            }
            if (command is not (Add or Del or Check or Gc or Status))
                throw new CniException(CniErrorCode.InvalidEnvironment, $"unknown CNI_COMMAND: {command}");

            using var document = Decode(input);
            var config = document.RootElement;
            version = config.TryGetProperty("cniVersion", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
            var requested = version.Length == 0 ? "0.1.0" : version;
            if (!CniVersions.IsSupported(requested))
            {
                version = CniVersions.Latest;
                throw new CniException(CniErrorCode.IncompatibleVersion,
                    $"incompatible CNI versions; config is \"{requested}\", plugin supports [{string.Join(" ", CniVersions.Supported.Select(s => $"\"{s}\""))}]");
            }
            if (command == Check && !CniVersions.HasCheck(version))
                throw new CniException(CniErrorCode.IncompatibleVersion, $"config version \"{version}\" does not allow command CHECK");
            if (command is Gc or Status && !CniVersions.HasGcAndStatus(version))
                throw new CniException(CniErrorCode.IncompatibleVersion, $"config version \"{version}\" does not allow command {command}");

            var name = config.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() ?? "" : "";
            if (name.Length == 0) throw new CniException(CniErrorCode.InvalidNetworkConfig, "missing network name");
            if (!IdPattern().IsMatch(name)) throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid network name \"{name}\"");

            var perAttachment = command is Add or Del or Check;
            var containerId = perAttachment ? Required(env, "CNI_CONTAINERID", CniErrorCode.UnknownContainer) : "";
            if (perAttachment && !IdPattern().IsMatch(containerId))
                throw new CniException(CniErrorCode.InvalidEnvironment, $"invalid characters in CNI_CONTAINERID \"{containerId}\"");
            var ifName = perAttachment ? Required(env, "CNI_IFNAME", CniErrorCode.InvalidEnvironment) : "";
            if (perAttachment) ValidateIfName(ifName);
            var netns = command is Add or Check ? Required(env, "CNI_NETNS", CniErrorCode.InvalidEnvironment) : env.GetValueOrDefault("CNI_NETNS") ?? "";

            var request = new CniRequest
            {
                Command = command,
                ContainerId = containerId,
                Netns = netns,
                IfName = ifName,
                Args = CniArgs.Parse(env.GetValueOrDefault("CNI_ARGS"), plugin.KnownArgs),
                CniPath = (env.GetValueOrDefault("CNI_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries),
                ConfigBytes = input,
                Config = config,
                CniVersion = version,
                NetworkName = name,
                PrevResult = config.TryGetProperty("prevResult", out var prev) && prev.ValueKind == JsonValueKind.Object ? CniResult.Parse(prev) : null,
                Environment = env,
            };
            try
            {
                switch (command)
                {
                    case Add:
                        Write(stdout, (await plugin.AddAsync(request)).ToJson(version));
                        break;
                    case Del:
                        await plugin.DelAsync(request);
                        break;
                    case Check:
                        await plugin.CheckAsync(request);
                        break;
                    case Gc:
                        await plugin.GcAsync(request);
                        break;
                    default:
                        await plugin.StatusAsync(request);
                        break;
                }
            }
            catch (Exception e) when (e is not CniException)
            {
                throw plugin.Classify(e);
            }
            return 0;
        }
        catch (CniException e)
        {
            Write(stdout, ErrorJson(version, e));
            return 1;
        }
    }

    private static JsonDocument Decode(byte[] input)
    {
        try
        {
            return JsonDocument.Parse(input);
        }
        catch (JsonException e)
        {
            throw new CniException(CniErrorCode.DecodeFailure, $"error parsing the network configuration: {e.Message}");
        }
    }

    /// <summary>VERSION's answer: the versions supported, in the version the config asked for (the latest when it asked none).</summary>
    public static string VersionAnswer(byte[] input) => VersionJson(RequestedVersion(input) ?? CniVersions.Latest);

    private static string? RequestedVersion(byte[] input)
    {
        try
        {
            using var doc = JsonDocument.Parse(input);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("cniVersion", out var v)
                   && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Required(IReadOnlyDictionary<string, string> env, string name, CniErrorCode code) =>
        env.GetValueOrDefault(name) is { Length: > 0 } value ? value : throw new CniException(code, $"required env variables [{name}] missing");

    /// <summary>The kernel's own limits on an interface name (IFNAMSIZ 16 including the terminator).</summary>
    private static void ValidateIfName(string name)
    {
        string? problem = name.Length > 15 ? "is longer than 15 characters"
            : name is "." or ".." ? "is not a valid name"
            : name.Any(c => c is '/' or ':' || char.IsWhiteSpace(c)) ? "contains '/', ':' or white space"
            : null;
        if (problem is not null) throw new CniException(CniErrorCode.InvalidEnvironment, $"invalid CNI_IFNAME \"{name}\": {problem}");
    }

    private static string VersionJson(string version)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("cniVersion", version);
            w.WriteStartArray("supportedVersions");
            foreach (var s in CniVersions.Supported) w.WriteStringValue(s);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string ErrorJson(string version, CniException error)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("cniVersion", version);
            w.WriteNumber("code", (int)error.Code);
            w.WriteString("msg", error.Message);
            if (error.Details is not null) w.WriteString("details", error.Details);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Stream stdout, string json)
    {
        stdout.Write(Encoding.UTF8.GetBytes(json + "\n"));
        stdout.Flush();
    }
}
