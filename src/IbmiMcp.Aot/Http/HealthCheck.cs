namespace IbmiMcp.Http;

/// <summary>
/// One readiness condition reported by /healthz. <see cref="Required"/> checks turn the answer into 503 when
/// they fail; others only mark the status "degraded". Checks must not reveal user names or secrets.
/// </summary>
internal sealed record HealthCheck(string Name, bool Required, Func<CancellationToken, ValueTask<HealthResult>> Probe);

internal readonly record struct HealthResult(bool Ready, string? Detail = null, IReadOnlyDictionary<string, long>? Figures = null);
