namespace IbmiMcp.Observability;

/// <summary>
/// Counters of one tool label: calls by outcome and the latency histogram. Buckets are stored per bucket (not
/// cumulative) and the count is their sum at scrape time, so <c>_count</c> always equals the <c>+Inf</c> bucket
/// even while calls land mid-scrape.
/// </summary>
internal sealed class ToolSeries
{
    public ToolSeries(string name)
    {
        Name = name;
        Outcomes = new long[ObservabilityNames.ToolCallOutcomeCount];
        Buckets = new long[ServerMetrics.DurationBounds.Length + 1];
    }

    public string Name { get; }
    public long[] Outcomes { get; }
    /// <summary>Buckets[i] counts durations in (bound[i-1], bound[i]]; the last slot is (bound[^1], +Inf).</summary>
    public long[] Buckets { get; }
    public long SumTicks;

    public void Record(ToolCallOutcome outcome, TimeSpan duration)
    {
        var bounds = ServerMetrics.DurationBoundTicks;
        var ticks = duration.Ticks;
        var i = 0;
        while (i < bounds.Length && ticks > bounds[i]) i++;
        Interlocked.Increment(ref Buckets[i]);
        Interlocked.Add(ref SumTicks, ticks);
        Interlocked.Increment(ref Outcomes[(uint)outcome < (uint)Outcomes.Length ? (int)outcome : (int)ToolCallOutcome.Error]);
    }

    public long Calls()
    {
        long total = 0;
        for (var i = 0; i < Buckets.Length; i++) total += Interlocked.Read(ref Buckets[i]);
        return total;
    }
}
