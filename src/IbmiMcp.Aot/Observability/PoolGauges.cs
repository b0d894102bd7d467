namespace IbmiMcp.Observability;

/// <summary>
/// Connections summed over every Mapepire pool (server pool and token pools), as the composition root's callback
/// reports them at scrape time. No per-user breakdown: user names never become labels.
/// </summary>
internal readonly record struct PoolGauges(long Idle, long Busy, long Opening, long Waiters)
{
    public static PoolGauges From(Mapepire.PoolStatistics s) => new(s.Idle, s.Busy, s.Opening, s.Waiters);
}
