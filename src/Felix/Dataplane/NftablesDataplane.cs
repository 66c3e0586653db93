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
/// the tables atomically, which also repairs anything
/// changed behind the dataplane's back. <see cref="Resync"/> does that rebuild on demand: Felix's periodic refresh,
/// without reading the ruleset. Not thread-safe: one owner applies batches in order.
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
        if (!transaction.IsEmpty)
        {
            Calls++;
            var run = _nft.Run(transaction.Script);
            if (!run.Succeeded)
            {
                Failures++;
                _written = null;
                return new NftApplyResult(false, transaction.FullRewrite, 0, 0, 0,
                    $"nft -f - exited {run.ExitCode}: {run.Error.Trim()}");
            }
        }
        _written = desired;
        _pending = null;
        return new NftApplyResult(true, transaction.FullRewrite, transaction.ChainsWritten, transaction.SetsWritten,
            transaction.ElementsChanged, null);
    }
}
