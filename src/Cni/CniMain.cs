using System.Collections;

namespace CniNet.Cni;

/// <summary>
/// The whole of a plugin executable's <c>Main</c>: <c>-v</c> prints the version, anything else is one CNI invocation,
/// handed to the node agent when one listens on <see cref="CniAgentProtocol.DefaultSocket"/> (or
/// <c>CNINET_AGENT_SOCKET</c>) in this network namespace, and otherwise run here.
/// </summary>
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
        var socket = env.GetValueOrDefault(CniAgentProtocol.SocketVariable) is { Length: > 0 } path ? path : CniAgentProtocol.DefaultSocket;
        if (env.GetValueOrDefault("CNI_COMMAND") is not (null or CniSkel.Version) && File.Exists(socket))
        {
            using var input = new MemoryStream();
            stdin.CopyTo(input);
            if (CniAgentProtocol.TryForward(socket, name, env, input.ToArray(), stdout) is { } code) return code;
            input.Position = 0;
            return await CniSkel.RunAsync(plugin, env, input, stdout);
        }
        return await CniSkel.RunAsync(plugin, env, stdin, stdout);
    }
}
