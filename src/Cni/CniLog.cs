using System.Text;
using CniNet.Linux;

namespace CniNet.Cni;

/// <summary>
/// The plugin's log: lines appended to a file (stdout belongs to the protocol). Lines are buffered and written once at
/// the end of the invocation, so a short-lived plugin pays one open and one write; a failure to log never fails the plugin.
/// </summary>
public sealed class CniLog(string? path, CniLogLevel level)
{
    private readonly StringBuilder _lines = new();
    private readonly string _prefix = $"[{Environment.ProcessId}]";

    public CniLogLevel Level { get; } = level;

    public static CniLogLevel ParseLevel(string? text) => text?.ToLowerInvariant() switch
    {
        "debug" => CniLogLevel.Debug,
        "warning" or "warn" => CniLogLevel.Warning,
        "error" => CniLogLevel.Error,
        "none" or "panic" or "fatal" => CniLogLevel.None,
        _ => CniLogLevel.Info,
    };

    public void Debug(string message) => Write(CniLogLevel.Debug, message);

    public void Info(string message) => Write(CniLogLevel.Info, message);

    public void Warning(string message) => Write(CniLogLevel.Warning, message);

    public void Error(string message) => Write(CniLogLevel.Error, message);

    private void Write(CniLogLevel at, string message)
    {
        if (at < Level || Level == CniLogLevel.None) return;
        _lines.Append(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture))
            .Append(" [").Append(at.ToString().ToUpperInvariant()).Append("] ").Append(_prefix).Append(' ').Append(message).Append('\n');
    }

    public void Flush()
    {
        if (_lines.Length == 0 || string.IsNullOrEmpty(path)) return;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AppendOnlyFile.Append(path, Encoding.UTF8.GetBytes(_lines.ToString()));
            _lines.Clear();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LinuxException)
        {
            Console.Error.WriteLine($"cannot write the log file {path}: {e.Message}");
        }
    }
}
