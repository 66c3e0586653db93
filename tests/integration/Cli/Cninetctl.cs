using System.Diagnostics;

namespace CniNet.Tests.Integration.Cli;

/// <summary>Runs the published Native-AOT <c>cninetctl</c> (from <c>out/bin</c>, built by ./test.sh) against a store file.</summary>
public static class Cninetctl
{
    public static string BinaryPath => OutBin.PathOf("cninetctl");

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Process Start(string storePath, string stdin, params string[] args)
    {
        var info = new ProcessStartInfo(BinaryPath)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["SQLITE_PATH"] = storePath;
        info.Environment.Remove("DATASTORE_TYPE");
        var process = Process.Start(info)!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        return process;
    }

    public static async Task<Result> RunAsync(string storePath, string stdin, params string[] args)
    {
        using var process = Start(storePath, stdin, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
