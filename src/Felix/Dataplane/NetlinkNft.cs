using CniNet.Linux;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// The dataplane's transactions written to the kernel as nf_tables netlink batches by this process, instead of through
/// nft's engine: the script text is compiled (rules once per distinct text, <see cref="NftScriptCompiler"/>) into one
/// batch and committed atomically, as <c>nft -f</c> would commit it, but without nft's parse and evaluation of every
/// line and without listing the table into a cache first (together 80-85% of a large load, and most of a small
/// change). What the kernel refuses is reported as nft reports it: the line and the error, nothing applied.
/// </summary>
public sealed class NetlinkNft(NfTablesSocket socket) : INftExecutor
{
    private readonly NftScriptCompiler _compiler = new();

    public NftRun Run(string script) => Prepare(script)();

    /// <summary>Compiles the script's batch here; the rest commits it. The compiler's model is shared by both under a lock.</summary>
    public Func<NftRun> Prepare(string script)
    {
        // A rule's messages take about three times its text's length in bytes; room for four costs nothing more than
        // its address space (see NfTablesBatch).
        var batch = new NfTablesBatch(capacity: (int)Math.Min(int.MaxValue / 2, Math.Max(64 * 1024, 4L * script.Length)));
        NftScriptCompiler.Declarations declarations;
        try
        {
            lock (_compiler) declarations = _compiler.Compile(script, batch);
        }
        catch (NftUnsupportedException e)
        {
            batch.Dispose();
            return () => new NftRun(1, e.Message);
        }
        catch
        {
            batch.Dispose();
            throw;
        }
        return () =>
        {
            using (batch) return Commit(script, batch, declarations);
        };
    }

    private NftRun Commit(string script, NfTablesBatch batch, NftScriptCompiler.Declarations declarations)
    {
        var failures = socket.Commit(batch);
        if (failures.Count == 0)
        {
            lock (_compiler) _compiler.Committed(declarations);
            return new NftRun(0, "");
        }
        var first = failures[0];
        var lines = script.Split('\n');
        var where = first.Origin > 0 && first.Origin <= lines.Length
            ? $"line {first.Origin}: {lines[first.Origin - 1].Trim()}"
            : "commit";
        var error = new LinuxException(first.Errno, "nf_tables", where, first.KernelMessage);
        return new NftRun(1, failures.Count == 1 ? error.Message : $"{error.Message} (and {failures.Count - 1} more refused)");
    }
}
