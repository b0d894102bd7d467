namespace IbmiMcp.Observability;

/// <summary>Token sessions in aggregate, for /healthz and /metrics: how many, and how many connections they hold.</summary>
internal readonly record struct SessionSummary(long Sessions, long Connections);
