using System.Globalization;
using System.Text;

namespace CniNet.Felix.Agent;

/// <summary>Felix's Prometheus metrics in the text exposition format (version 0.0.4), under Felix's names.</summary>
public static class FelixMetrics
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Render(FelixStatus status, ApplyTimeSummary applyTimes)
    {
        var text = new StringBuilder();
        Metric(text, "felix_active_local_endpoints", "gauge", "Number of active endpoints on this host.", status.ActiveLocalEndpoints);
        Metric(text, "felix_active_local_policies", "gauge", "Number of active policies on this host.", status.ActiveLocalPolicies);
        Metric(text, "felix_active_local_selectors", "gauge", "Number of active selectors on this host.", status.ActiveLocalSelectors);
        Metric(text, "felix_cluster_num_workload_endpoints", "gauge", "Total number of workload endpoints cluster-wide.", status.ClusterWorkloadEndpoints);
        Metric(text, "felix_cluster_num_policies", "gauge", "Total number of policies in the cluster.", status.ClusterPolicies);
        Metric(text, "felix_nft_calls", "counter", "Number of nftables transactions run.", status.NftCalls);
        Metric(text, "felix_nft_errors", "counter", "Number of nftables transactions that failed.", status.NftErrors);
        Metric(text, "felix_nft_chains", "gauge", "Number of active nftables chains.", status.NftChains);
        Metric(text, "felix_nft_rules", "gauge", "Number of active nftables rules.", status.NftRules);
        Metric(text, "felix_int_dataplane_failures", "counter", "Number of times dataplane updates failed and will be retried.", status.DataplaneFailures);
        Metric(text, "felix_resyncs_started", "counter", "Number of times Felix has started resyncing with the datastore.", status.Resyncs);

        const string apply = "felix_int_dataplane_apply_time_seconds";
        var (values, count, sum) = applyTimes.Read();
        text.Append("# HELP ").Append(apply).Append(" Time in seconds that it took to apply a dataplane update.\n");
        text.Append("# TYPE ").Append(apply).Append(" summary\n");
        for (var i = 0; i < values.Count; i++)
        {
            text.Append(apply).Append("{quantile=\"").Append(Number(ApplyTimeSummary.Quantiles[i])).Append("\"} ").Append(Number(values[i])).Append('\n');
        }
        text.Append(apply).Append("_sum ").Append(Number(sum)).Append('\n');
        text.Append(apply).Append("_count ").Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return text.ToString();
    }

    private static void Metric(StringBuilder text, string name, string type, string help, double value) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n')
            .Append(name).Append(' ').Append(Number(value)).Append('\n');

    private static string Number(double value) => double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);
}
