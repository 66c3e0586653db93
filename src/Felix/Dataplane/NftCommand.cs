using System.Diagnostics;
using CniNet.Linux;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// Runs <c>nft -f -</c> with the script on stdin, in the caller's network namespace or in a given one. For another
/// namespace the process is started from a thread moved into it (setns): a child inherits the namespaces of the thread
/// that forks it, and this saves the 3-8 ms of an <c>ip netns exec</c> per transaction.
/// </summary>
public sealed class NftCommand(NetworkNamespace? netns = null, string nft = "nft", TimeSpan? timeout = null) : INftExecutor
{
    // knftables' transaction timeout by default: a stuck nft must not stall the dataplane for ever.
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(30);

    public NftRun Run(string script)
    {
        var info = new ProcessStartInfo(nft)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-f");
        info.ArgumentList.Add("-");
        using var process = netns is null ? Start(info) : netns.Run(() => Start(info));
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        process.StandardInput.Write(script);
        process.StandardInput.Close();
        if (!process.WaitForExit(_timeout))
        {
            process.Kill();
            process.WaitForExit();
            return new NftRun(-1, $"nft did not finish in {_timeout.TotalSeconds} s");
        }
        stdout.Wait();
        return new NftRun(process.ExitCode, stderr.Result);
    }

    private static Process Start(ProcessStartInfo info) =>
        Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start");
}
