using System.Text;
using CniNet.Linux;

namespace CniNet.Cni;

/// <summary>
/// The whole <c>Main</c> of the plugin executables (<c>calico</c>, <c>calico-ipam</c>), kept to system calls because a
/// runtime starts one per pod and its start-up is most of a warm ADD: <c>-v</c> and VERSION are answered here; any
/// other invocation is handed to the node agent when one listens on <see cref="CniAgentProtocol.DefaultSocket"/> (or
/// <c>CNINET_AGENT_SOCKET</c>) in this network namespace, and otherwise this process becomes
/// <see cref="CniRunner.ExecutableName"/>, the executable beside it that holds the plugins (same PID, environment and
/// stdin), which runs it.
/// </summary>
public static class CniFront
{
    public static int Run(string[] args, string plugin)
    {
        if (args is ["-v"] or ["--version"])
        {
            Write($"{plugin} (CniNet), CNI spec versions {string.Join(", ", CniVersions.Supported)}");
            return 0;
        }
        var command = Environment.GetEnvironmentVariable("CNI_COMMAND");
        byte[]? stdin = null;
        if (command == CniSkel.Version)
        {
            Write(CniSkel.VersionAnswer(ProcessImage.ReadToEnd(ProcessImage.StandardInput)));
            return 0;
        }
        var socket = Environment.GetEnvironmentVariable(CniAgentProtocol.SocketVariable) is { Length: > 0 } path ? path : CniAgentProtocol.DefaultSocket;
        if (command is not null && File.Exists(socket))
        {
            stdin = ProcessImage.ReadToEnd(ProcessImage.StandardInput);
            if (CniAgentProtocol.TryForward(socket, plugin, CniRunner.ProcessEnvironment(), stdin) is var (code, stdout))
            {
                ProcessImage.WriteAll(ProcessImage.StandardOutput, stdout);
                return code;
            }
        }
        var runner = Path.Combine(AppContext.BaseDirectory, CniRunner.ExecutableName);
        var failure = ProcessImage.Exec(runner, [runner, plugin], stdin);
        Write(CniSkel.ErrorJson(CniVersions.Latest, new CniException(CniErrorCode.IoFailure, $"cannot run the plugin: {failure.Message}")));
        return 1;
    }

    private static void Write(string line) => ProcessImage.WriteAll(ProcessImage.StandardOutput, Encoding.UTF8.GetBytes(line + "\n"));
}
