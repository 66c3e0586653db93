using System.Buffers.Binary;
using System.Text;
using CniNet.Linux;

namespace CniNet.Cni;

/// <summary>
/// How a plugin executable hands its invocation to the node agent (<c>cninet-node</c>) over a Unix socket, so the
/// work runs in a process that is already warm (store open, JSON contracts built) instead of in a process that starts
/// cold once per pod. The request is the plugin's name, the caller's network namespace, its environment and its stdin;
/// the answer is either "refused" (the plugin then runs the invocation itself) or the exit code and the stdout bytes.
/// </summary>
/// <remarks>
/// Request: <c>name \0 netns \0 (KEY=VALUE \0)* \0 stdin</c>, then the client shuts down its sending side.
/// Answer: <c>'R'</c>, or <c>'A'</c> with a little-endian int32 exit code and the stdout bytes, then the agent closes.
/// </remarks>
public static class CniAgentProtocol
{
    /// <summary>Where the agent listens unless <c>CNINET_AGENT_SOCKET</c> names another socket.</summary>
    public const string DefaultSocket = "/var/run/cninet/cni.sock";

    public const string SocketVariable = "CNINET_AGENT_SOCKET";

    private const byte Refused = (byte)'R';
    private const byte Answered = (byte)'A';

    /// <summary>The network namespace of the calling thread, as the kernel names it (<c>net:[inode]</c>).</summary>
    public static string CurrentNetns() => new FileInfo("/proc/thread-self/ns/net").LinkTarget ?? "";

    /// <summary>
    /// Forwards the invocation: the agent's exit code and stdout, or null when no agent is listening or it refused (the
    /// caller then runs the invocation itself). An agent that went away before answering did what a killed plugin does,
    /// which DEL cleans up.
    /// </summary>
    public static (int ExitCode, byte[] Stdout)? TryForward(string socketPath, string plugin, IReadOnlyDictionary<string, string> env, byte[] stdin)
    {
        var answer = UnixSocketClient.Exchange(socketPath, EncodeRequest(plugin, CurrentNetns(), env, stdin));
        if (answer is not { Length: >= 5 } || answer[0] != Answered) return null;
        return (BinaryPrimitives.ReadInt32LittleEndian(answer.AsSpan(1, 4)), answer[5..]);
    }

    public static byte[] EncodeRequest(string plugin, string netns, IReadOnlyDictionary<string, string> env, byte[] stdin)
    {
        var head = new StringBuilder().Append(plugin).Append('\0').Append(netns).Append('\0');
        foreach (var (key, value) in env) head.Append(key).Append('=').Append(value).Append('\0');
        head.Append('\0');
        return [.. Encoding.UTF8.GetBytes(head.ToString()), .. stdin];
    }

    /// <summary>A request read whole, or null when it is not one.</summary>
    public static (string Plugin, string Netns, Dictionary<string, string> Env, byte[] Stdin)? DecodeRequest(ReadOnlySpan<byte> request)
    {
        var fields = new List<string>();
        var at = 0;
        while (true)
        {
            var end = request[at..].IndexOf((byte)0);
            if (end < 0) return null;
            var field = Encoding.UTF8.GetString(request.Slice(at, end));
            at += end + 1;
            if (field.Length == 0 && fields.Count >= 2) break;
            fields.Add(field);
        }
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in fields.Skip(2))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) return null;
            env[pair[..eq]] = pair[(eq + 1)..];
        }
        return (fields[0], fields[1], env, request[at..].ToArray());
    }

    public static byte[] EncodeRefusal() => [Refused];

    public static byte[] EncodeAnswer(int exitCode, ReadOnlySpan<byte> stdout)
    {
        var answer = new byte[5 + stdout.Length];
        answer[0] = Answered;
        BinaryPrimitives.WriteInt32LittleEndian(answer.AsSpan(1), exitCode);
        stdout.CopyTo(answer.AsSpan(5));
        return answer;
    }
}
