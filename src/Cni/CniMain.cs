using System.Collections;

namespace CniNet.Cni;

/// <summary>The whole of a plugin executable's <c>Main</c>: <c>-v</c> prints the version, anything else is one CNI invocation.</summary>
public static class CniMain
{
    public static async Task<int> RunAsync(string[] args, string name, ICniPlugin plugin)
    {
        if (args is ["-v"] or ["--version"])
        {
            Console.WriteLine($"{name} (CniNet), CNI spec versions {string.Join(", ", CniVersions.Supported)}");
            return 0;
        }
        var env = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
        using var stdin = Console.OpenStandardInput();
        using var stdout = Console.OpenStandardOutput();
        return await CniSkel.RunAsync(plugin, env, stdin, stdout);
    }
}
