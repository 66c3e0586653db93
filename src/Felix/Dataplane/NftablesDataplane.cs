using System.Collections.Immutable;
using CniNet.Felix.Calc;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// Felix's nftables dataplane as a library: <see cref="Apply"/> takes the cluster state and the node's workload
/// interfaces, renders the whole desired ruleset, lays it out over its tables (<see cref="TableLayout"/>), and writes
/// the difference from its model of what the kernel holds as one atomic <c>nft -f -</c> transaction (only dirty
/// chains flushed and re-added, set and map elements added and deleted). It never reads the ruleset back. A failed
/// transaction changes nothing in the kernel (nft transactions are atomic), so the previous ruleset stays in force;
/// the model is then distrusted and the next attempt (<see cref="Retry"/> or the next <see cref="Apply"/>) rebuilds
/// the tables, which also repairs anything changed behind the dataplane's back. <see cref="Resync"/> does that rebuild
/// on demand in one transaction: Felix's periodic refresh, without reading the ruleset.
/// <para>
/// An <see cref="Apply"/> without a model of the kernel (the first, or the next after a failure) is a full program,
/// which at 10,000 endpoints is about half rendering and half the kernel loading 120,000 rules. It is streamed, one
/// transaction per table: the workload tables in turn, each rendered (incrementally, the renderer already holding the
/// tables before it) while the kernel loads the one before, then the main table with its drop of unknown interfaces.
/// Each table is replaced atomically, so every endpoint goes from its old rules (none, on a fresh node) to its new ones
/// at once, and no endpoint is ever without rules it had; an interface whose table is not yet written keeps the old
/// table's rules. A transaction that fails stops the program there: the tables before it hold the new rules, those
/// after it the old, and the next attempt rebuilds them all. Bad input is found before the first transaction (every
/// policy compiles in the first table's round; interface names are checked first).
/// </para>
/// Not thread-safe: one owner applies batches in order.
/// </summary>
public sealed class NftablesDataplane
{
    private readonly INftExecutor _nft;
    private readonly NftDataplaneOptions _options;
    private readonly RulesetRenderer _renderer;
    private readonly TableLayout _layout;
    private ImmutableSortedDictionary<string, NftRuleset>? _written;
    private ImmutableSortedDictionary<string, NftRuleset>? _pending;
    private ImmutableSortedDictionary<string, NftRuleset>? _last;

    public NftablesDataplane(INftExecutor nft, NftDataplaneOptions? options = null)
    {
        _nft = nft;
        _options = options ?? new NftDataplaneOptions();
        _renderer = new RulesetRenderer(_options);
        _layout = new TableLayout(_options);
    }

    /// <summary>The last batch's state is in the kernel (false after a failure, until a retry succeeds).</summary>
    public bool InSync => _pending is null;

    /// <summary>Failed transactions since construction (Felix's <c>felix_nft_errors</c>).</summary>
    public long Failures { get; private set; }

    /// <summary>Transactions run (Felix's <c>felix_nft_calls</c>).</summary>
    public long Calls { get; private set; }

    /// <summary>Chains and rules in the written model, over all its tables (<c>felix_nft_chains</c>, <c>felix_nft_rules</c>).</summary>
    public int Chains => Tables.Sum(t => t.Chains.Count);

    public int Rules => Tables.Sum(t => t.RuleCount);

    /// <summary>Local endpoints with chains in the written model (<c>felix_active_local_endpoints</c>).</summary>
    public int Endpoints => Tables.Sum(t => t.Maps.GetValueOrDefault(RulesetRenderer.ToWorkloadMap)?.Elements.Count ?? 0);

    /// <summary>
    /// Policies with chains in the written model, i.e. selecting some local endpoint (<c>felix_active_local_policies</c>);
    /// a policy's ingress and egress chains share its hash.
    /// </summary>
    public int Policies => Tables.SelectMany(t => t.Chains.Keys).Where(IsPolicyChain).Select(name => name[3..]).Distinct().Count();

    /// <summary>
    /// Selectors with address sets in the written model (<c>felix_active_local_selectors</c>); a selector's IPv4 and
    /// IPv6 sets share its hash.
    /// </summary>
    public int Selectors => Tables.SelectMany(t => t.Sets.Keys).Where(name => name.StartsWith('s')).Select(name => name[3..]).Distinct().Count();

    private IEnumerable<NftRuleset> Tables => _written?.Values ?? [];

    /// <summary>Renders and writes one batch.</summary>
    /// <exception cref="Model.Selectors.SelectorParseException">
    /// A policy does not compile (the datastore should have refused it); nothing is written and the ruleset in the
    /// kernel stays as it was. <see cref="ArgumentException"/> and <see cref="NotSupportedException"/> likewise.
    /// </exception>
    public NftApplyResult Apply(ClusterState state, IReadOnlyCollection<WorkloadInterface> endpoints)
    {
        if (_written is null) return Program(state, endpoints);
        _pending = _last = _layout.Split(_renderer.Render(state, endpoints));
        return Write();
    }

    /// <summary>
    /// Rebuilds the whole table from the last batch in one atomic transaction, repairing whatever was changed behind
    /// the dataplane's back (a flushed chain, a deleted element); a no-op before the first batch.
    /// </summary>
    public NftApplyResult Resync()
    {
        if (_last is null) return new NftApplyResult(true, false, 0, 0, 0, null);
        _written = null;
        _pending = _last;
        return Write();
    }

    /// <summary>Writes the last batch again after a failure, rebuilding the table; a no-op when in sync.</summary>
    public NftApplyResult Retry() => InSync ? new NftApplyResult(true, false, 0, 0, 0, null) : Write();

    private static bool IsPolicyChain(string name) => name.StartsWith("pi-", StringComparison.Ordinal) || name.StartsWith("po-", StringComparison.Ordinal);

    private NftApplyResult Write()
    {
        var desired = _pending!;
        var transaction = NftTransaction.Between(_written, desired);
        if (!transaction.IsEmpty && Failure(_nft.Run(transaction.Script), transaction.FullRewrite) is { } failed) return failed;
        _written = desired;
        _pending = null;
        return new NftApplyResult(true, transaction.FullRewrite, transaction.ChainsWritten, transaction.SetsWritten,
            transaction.ElementsChanged, null);
    }

    /// <summary>
    /// The full program (see the class summary): per workload table, its endpoints added to those rendered so far, and
    /// the tables written so far plus this one diffed against what was written, while the transaction before runs on
    /// another thread; then everything, which adds the main table (and would repair an earlier table had it changed).
    /// A transaction is compiled (<see cref="INftExecutor.Prepare"/>) here while the kernel is still busy with the one
    /// before, and by the thread that commits it otherwise, so that neither waits for the other when it can work.
    /// </summary>
    private NftApplyResult Program(ClusterState state, IReadOnlyCollection<WorkloadInterface> endpoints)
    {
        foreach (var endpoint in endpoints) NftNames.RequireInterfaceName(endpoint.InterfaceName);
        var byTable = endpoints.ToLookup(e => TableLayout.WorkloadTable(_options.Table, e.InterfaceName), StringComparer.Ordinal);
        var rendered = new List<WorkloadInterface>(endpoints.Count);
        var written = ImmutableSortedDictionary.Create<string, NftRuleset>(StringComparer.Ordinal);
        var total = new NftApplyResult(true, true, 0, 0, 0, null);
        ImmutableSortedDictionary<string, NftRuleset>? tables = null;
        Task<NftRun>? running = null;
        // The transaction under way, waited for and counted: its failure, or null.
        NftApplyResult? Finished()
        {
            var run = running?.GetAwaiter().GetResult();
            running = null;
            return run is null ? null : Failure(run, true);
        }
        try
        {
            for (var i = 0; i <= TableLayout.WorkloadTables; i++)
            {
                ImmutableSortedDictionary<string, NftRuleset> desired;
                if (i < TableLayout.WorkloadTables)
                {
                    var table = TableLayout.WorkloadTable(_options.Table, i);
                    rendered.AddRange(byTable[table]);
                    tables = _layout.Split(_renderer.Render(state, rendered));
                    desired = written.SetItem(table, tables[table]);
                }
                else
                {
                    desired = tables!;
                }
                var transaction = NftTransaction.Between(written, desired);
                var script = transaction.Script;
                var commit = transaction.IsEmpty || running is null or { IsCompleted: true } ? null : _nft.Prepare(script);
                if (Finished() is { } failed)
                {
                    _pending = _last = _layout.Split(_renderer.Render(state, endpoints));
                    return failed;
                }
                written = desired;
                if (transaction.IsEmpty) continue;
                total = total with
                {
                    ChainsWritten = total.ChainsWritten + transaction.ChainsWritten,
                    SetsWritten = total.SetsWritten + transaction.SetsWritten,
                    ElementsChanged = total.ElementsChanged + transaction.ElementsChanged,
                };
                running = Task.Run(commit ?? (() => _nft.Run(script)));
            }
            _last = tables;
            if (Finished() is { } last)
            {
                _pending = _last;
                return last;
            }
            _written = written;
            _pending = null;
            return total;
        }
        catch when (running is not null)
        {
            // Rendering threw: the transaction under way ends before anything else may use the executor; whatever it
            // did, the model stays distrusted, and the last batch (for a resync) the one before this apply.
            ((IAsyncResult)running).AsyncWaitHandle.WaitOne();
            throw;
        }
    }

    /// <summary>Counts a run; for a failed one, distrusts the model and gives the failure.</summary>
    private NftApplyResult? Failure(NftRun run, bool fullRewrite)
    {
        Calls++;
        if (run.Succeeded) return null;
        Failures++;
        _written = null;
        return new NftApplyResult(false, fullRewrite, 0, 0, 0, $"nft -f - exited {run.ExitCode}: {run.Error.Trim()}");
    }
}
