using System.Collections;

namespace CniNet.Cni;

/// <summary>
/// The <c>Main</c> of <see cref="ExecutableName"/>, which the plugin executables become when no node agent takes an
/// invocation (<see cref="CniFront"/>): its one argument names the plugin, and the invocation runs here, in this process.
/// </summary>
public static class CniRunner
{
    public const string ExecutableName = "cninet-cni";

    public static async Task<int> RunAsync(string[] args, IReadOnlyDictionary<string, ICniPlugin> plugins)
    {
        if (args is not [var name] || !plugins.TryGetValue(name, out var plugin))
        {
            await Console.Error.WriteLineAsync($"usage: {ExecutableName} {string.Join('|', plugins.Keys)} (run by those plugin executables, with CNI_* and stdin)");
            return 2;
        }
        using var stdin = Console.OpenStandardInput();
        using var stdout = Console.OpenStandardOutput();
        return await CniSkel.RunAsync(plugin, ProcessEnvironment(), stdin, stdout);
    }

    internal static Dictionary<string, string> ProcessEnvironment() =>
        Environment.GetEnvironmentVariables().Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
}
