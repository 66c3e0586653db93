namespace CniNet.Felix.Agent;

/// <summary>
/// A Prometheus summary of dataplane apply times as Felix exports <c>felix_int_dataplane_apply_time_seconds</c>:
/// quantiles over the most recent applies, plus the count and sum of all of them. Thread-safe: the agent's loop adds,
/// the metrics endpoint reads.
/// </summary>
public sealed class ApplyTimeSummary(int window = 1000)
{
    public static readonly double[] Quantiles = [0.5, 0.9, 0.99];

    private readonly Queue<double> _recent = new();
    private long _count;
    private double _sum;

    public void Add(TimeSpan elapsed)
    {
        lock (_recent)
        {
            _recent.Enqueue(elapsed.TotalSeconds);
            if (_recent.Count > window) _recent.Dequeue();
            _count++;
            _sum += elapsed.TotalSeconds;
        }
    }

    /// <summary>Each of <see cref="Quantiles"/> over the recent applies (NaN before the first, as Prometheus' client writes), the count and the sum.</summary>
    public (IReadOnlyList<double> Values, long Count, double Sum) Read()
    {
        lock (_recent)
        {
            var sorted = _recent.Order().ToArray();
            var values = Quantiles.Select(q => sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(q * sorted.Length))]).ToList();
            return (values, _count, _sum);
        }
    }
}
