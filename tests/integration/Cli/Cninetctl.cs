using System.Diagnostics;

namespace CniNet.Tests.Integration.Cli;

/// <summary>Runs the published Native-AOT <c>cninetctl</c> (from <c>out/bin</c>, built by ./test.sh) against a store file or an etcd.</summary>
public static class Cninetctl
{
    public static string BinaryPath => OutBin.PathOf("cninetctl");

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Process Start(string storePath, string stdin, params string[] args) =>
        Start(new Dictionary<string, string?> { ["SQLITE_PATH"] = storePath, ["DATASTORE_TYPE"] = null }, stdin, args);

    /// <summary>The etcd the <c>ETCD_ENDPOINTS</c> list names (<c>DATASTORE_TYPE=etcdv3</c>).</summary>
    public static Process StartOnEtcd(IEnumerable<Uri> endpoints, string stdin, params string[] args) =>
        Start(new Dictionary<string, string?>
        {
            ["DATASTORE_TYPE"] = "etcdv3", ["ETCD_ENDPOINTS"] = string.Join(',', endpoints.Select(e => e.ToString().TrimEnd('/'))),
        }, stdin, args);

    public static async Task<Result> RunOnEtcdAsync(IEnumerable<Uri> endpoints, string stdin, params string[] args)
    {
        using var process = StartOnEtcd(endpoints, stdin, args);
        return await CompleteAsync(process);
    }

    /// <summary>The Kubernetes API a kubeconfig names (<c>DATASTORE_TYPE=kubernetes</c>, <c>KUBECONFIG</c>).</summary>
    public static Task<Result> RunOnKubernetesAsync(string kubeconfig, string stdin, params string[] args) =>
        RunWithAsync(new Dictionary<string, string?> { ["DATASTORE_TYPE"] = "kubernetes", ["KUBECONFIG"] = kubeconfig }, stdin, args);

    /// <summary>cninetctl with <paramref name="environment"/> set over the test's own (null removes a variable).</summary>
    public static async Task<Result> RunWithAsync(IReadOnlyDictionary<string, string?> environment, string stdin, params string[] args)
    {
        using var process = Start(environment, stdin, args);
        return await CompleteAsync(process);
    }

    /// <summary>Starts cninetctl with <paramref name="environment"/> set over the test's own (null removes a variable).</summary>
    private static Process Start(IReadOnlyDictionary<string, string?> environment, string stdin, string[] args)
    {
        var info = new ProcessStartInfo(BinaryPath)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (name, value) in environment)
        {
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        }
        var process = Process.Start(info)!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        return process;
    }

    public static async Task<Result> RunAsync(string storePath, string stdin, params string[] args)
    {
        using var process = Start(storePath, stdin, args);
        return await CompleteAsync(process);
    }

    private static async Task<Result> CompleteAsync(Process process)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
