using System.Diagnostics;
using System.Text.Json;

namespace CniNet.Cni;

/// <summary>
/// Runs another plugin (an IPAM delegate) the way libcni's invoke package does: found by name on <c>CNI_PATH</c>,
/// the same environment with <c>CNI_COMMAND</c> overridden, the complete configuration on stdin, its stderr passed through.
/// </summary>
public static class CniDelegate
{
    public static async Task<CniResult?> ExecAsync(CniRequest request, string type, string command,
        IReadOnlyDictionary<string, string>? overrides = null, byte[]? config = null)
    {
        var path = Find(request.CniPath, type);
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment.Clear();
        foreach (var (k, v) in request.Environment) start.Environment[k] = v;
        start.Environment["CNI_COMMAND"] = command;
        foreach (var (k, v) in overrides ?? new Dictionary<string, string>()) start.Environment[k] = v;

        using var process = Process.Start(start) ?? throw new CniException(CniErrorCode.PluginFailure, $"could not start {path}");
        await process.StandardInput.BaseStream.WriteAsync(config ?? request.ConfigBytes);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw DelegatedError(type, command, output);
        if (command != CniSkel.Add) return null;
        try
        {
            using var doc = JsonDocument.Parse(output);
            return CniResult.Parse(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new CniException(CniErrorCode.DecodeFailure, $"{type} {command}: cannot decode its result: {e.Message}");
        }
    }

    private static string Find(IReadOnlyList<string> dirs, string type)
    {
        if (type.Contains('/')) throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid plugin type \"{type}\"");
        foreach (var dir in dirs)
        {
            var candidate = Path.Combine(dir, type);
            if (File.Exists(candidate)) return candidate;
        }
        throw new CniException(CniErrorCode.InvalidNetworkConfig, $"failed to find plugin \"{type}\" in path [{string.Join(" ", dirs)}]");
    }

    /// <summary>The delegate's own error object keeps its code; anything else becomes a plugin failure naming the delegate.</summary>
    private static CniException DelegatedError(string type, string command, string output)
    {
        try
        {
            using var doc = JsonDocument.Parse(output);
            var root = doc.RootElement;
            if (root.TryGetProperty("code", out var code) && code.TryGetInt32(out var c))
            {
                var msg = root.TryGetProperty("msg", out var m) ? m.GetString() : null;
                var details = root.TryGetProperty("details", out var d) ? d.GetString() : null;
                return new CniException((CniErrorCode)c, msg ?? $"{type} {command} failed", details);
            }
        }
        catch (JsonException)
        {
        }
        return new CniException(CniErrorCode.PluginFailure, $"{type} {command} failed: {output.Trim()}");
    }
}
