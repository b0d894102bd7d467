namespace IbmiMcp.Mapepire;

/// <summary>A racy snapshot of one pool, for metrics and readiness.</summary>
/// <param name="Idle">Connections waiting to be rented.</param>
/// <param name="Busy">Connections rented out.</param>
/// <param name="Opening">Connections being opened.</param>
/// <param name="Total">Live plus opening connections (never above <paramref name="Max"/>).</param>
/// <param name="Waiters">Callers waiting for a free connection.</param>
/// <param name="Max">poolmax.</param>
public readonly record struct PoolStatistics(int Idle, int Busy, int Opening, int Total, int Waiters, int Max);
