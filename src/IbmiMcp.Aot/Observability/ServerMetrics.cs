using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using IbmiMcp.Configuration;
using IbmiMcp.Http;

namespace IbmiMcp.Observability;

/// <summary>
/// The server's counters, recorded with interlocked adds into slots found without allocating, and published two
/// ways: <c>GET /metrics</c> (<see cref="WritePrometheus"/>, via <see cref="MetricsEndpoint"/>) and the
/// <c>System.Diagnostics.Metrics</c> meter "IbmiMcp" (observable instruments, read only when a listener collects).
/// <para>
/// Label cardinality is bounded by construction: routes and outcomes are enums, statuses are 100-599, tool names
/// come from the catalog (<see cref="SetToolNames"/>; anything else is "other"), SQL states must look like one and
/// at most <see cref="MaxSqlStates"/> are kept. User names are never labels.
/// </para>
/// When MCP_METRICS_ENABLED is off the composition root passes <see cref="Disabled"/>: every Record call returns at once.
/// </summary>
internal sealed partial class ServerMetrics : IDisposable
{
    public const string MeterName = "IbmiMcp";
    public const string OtherTool = "other";
    public const int MaxTools = 1000;
    /// <summary>Tool labels accepted before a catalog is set (a server without YAML, or tests).</summary>
    public const int MaxUncatalogedTools = 100;
    public const int MaxSqlStates = 100;

    /// <summary>Seconds; from 5 ms (a cached catalog query) to a minute (past the default 30 s query timeout).</summary>
    internal static readonly double[] DurationBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    internal static readonly long[] DurationBoundTicks = Array.ConvertAll(DurationBounds, s => (long)(s * TimeSpan.TicksPerSecond));

    private const int StatusBase = 100;
    private const int StatusSlots = 500;

    public static readonly ServerMetrics Disabled = new(enabled: false);

    private readonly bool _enabled;
    private readonly long[] _http = new long[ObservabilityNames.RouteCount * StatusSlots];
    private readonly long[] _signOns = new long[ObservabilityNames.SignOnResultCount];
    private readonly long[] _mcpRequests = new long[2];   // [0] the SDK path, [1] the fast path
    private readonly ToolSeries _otherTool = new(OtherTool);
    private readonly object _toolsGate = new();
    // Copy-on-write: readers look up without locking; writers (catalog reload, first sight of a tool) replace it.
    private volatile Dictionary<string, ToolSeries> _tools = new(StringComparer.Ordinal);
    private volatile bool _catalogSet;
    private readonly ConcurrentDictionary<string, StrongBox<long>> _sqlErrors = new(StringComparer.Ordinal);

    private Func<long>? _liveSessions;
    private Func<PoolGauges>? _pools;
    private Func<long>? _poolWaits;
    private Func<long>? _auditDropped;

    private readonly Meter? _meter;
    private readonly Histogram<double>? _durationHistogram;

    public ServerMetrics(bool enabled = true)
    {
        _enabled = enabled;
        if (!enabled)
            return;
        _meter = new Meter(MeterName, BuildInfo.Version);
        _durationHistogram = _meter.CreateHistogram<double>("mcp_tool_call_duration_seconds", "s", "tools/call latency by tool.");
        _meter.CreateObservableCounter("http_requests_total", MeasureHttp, description: "HTTP requests by route and status.");
        _meter.CreateObservableCounter("mcp_tool_calls_total", MeasureToolCalls, description: "tools/call by tool and outcome.");
        _meter.CreateObservableCounter("ibmi_signons_total", MeasureSignOns, description: "IBM i sign-ons by outcome.");
        _meter.CreateObservableCounter("mcp_requests_total", MeasureMcpRequests, description: "MCP POSTs by the path that answered them (sdk, fast).");
        _meter.CreateObservableGauge("ibmi_sessions_live", () => Read(_liveSessions), description: "Live IBM i token sessions.");
        _meter.CreateObservableGauge("mapepire_pool_connections", MeasurePools, description: "Mapepire connections over all pools by state.");
        _meter.CreateObservableCounter("mapepire_pool_waits_total", () => Read(_poolWaits), description: "Connection rents that had to wait.");
        _meter.CreateObservableCounter("mapepire_errors_total", MeasureSqlErrors, description: "Mapepire errors by SQL state.");
        _meter.CreateObservableCounter("audit_dropped_total", () => Read(_auditDropped), description: "Audit events dropped because the buffer was full.");
    }

    public static ServerMetrics Create(ServerOptions options) => options.MetricsEnabled ? new ServerMetrics() : Disabled;

    public bool Enabled => _enabled;

    /// <summary>The "IbmiMcp" meter of this instance (null when disabled); listeners filter on it.</summary>
    public Meter? Meter => _meter;

    // ── Callbacks the composition root provides (read at scrape time only) ─────

    /// <summary>Live token sessions (e.g. the token store's count).</summary>
    public void ObserveSessions(Func<long> liveSessions) => _liveSessions = liveSessions;

    /// <summary>Connections summed over every pool; called at scrape time, so it may walk the pools.</summary>
    public void ObservePools(Func<PoolGauges> pools) => _pools = pools;

    /// <summary>Rents that had to wait, process-wide and monotonic (e.g. <c>MapepirePool.TotalWaits</c>).</summary>
    public void ObservePoolWaits(Func<long> totalWaits) => _poolWaits = totalWaits;

    public void ObserveAudit(IAuditLog audit) => _auditDropped = () => audit.Dropped;

    /// <summary>
    /// The tool names that get their own label (the loaded catalog); any other name counts as "other". Call again
    /// after a reload: series of tools that remain keep their counts.
    /// </summary>
    public void SetToolNames(IEnumerable<string> names)
    {
        if (!_enabled) return;
        lock (_toolsGate)
        {
            var current = _tools;
            var next = new Dictionary<string, ToolSeries>(StringComparer.Ordinal);
            foreach (var name in names)
            {
                if (next.Count == MaxTools) break;
                // "other" is the overflow label; a tool of that name shares it rather than duplicating the series.
                if (name != OtherTool && !next.ContainsKey(name))
                    next[name] = current.TryGetValue(name, out var series) ? series : new ToolSeries(name);
            }
            _tools = next;
            _catalogSet = true;
        }
    }

    // ── Hot path ──────────────────────────────────────────────────────────────

    /// <summary>Matches <see cref="RouteHandlers.Observe"/>.</summary>
    public void RecordHttpRequest(Route route, int status)
    {
        if (!_enabled) return;
        var r = (uint)route < (uint)ObservabilityNames.RouteCount ? (int)route : 0;
        var s = (uint)(status - StatusBase) < StatusSlots ? status - StatusBase : StatusSlots - 1;
        Interlocked.Increment(ref _http[r * StatusSlots + s]);
    }

    public void RecordToolCall(string tool, ToolCallOutcome outcome, TimeSpan duration)
    {
        if (!_enabled) return;
        var series = SeriesOf(tool);
        series.Record(outcome, duration);
        // Only pay for the meter's histogram when something listens to it (dotnet-counters, an OTel SDK).
        if (_durationHistogram!.Enabled)
            _durationHistogram.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("tool", series.Name));
    }

    /// <summary>An MCP POST went to the SDK's transport (<paramref name="fast"/> false) or was answered by McpFastPath.</summary>
    public void RecordMcpRequest(bool fast)
    {
        if (!_enabled) return;
        Interlocked.Increment(ref _mcpRequests[fast ? 1 : 0]);
    }

    public void RecordSignOn(SignOnResult outcome)
    {
        if (!_enabled) return;
        Interlocked.Increment(ref _signOns[(uint)outcome < (uint)_signOns.Length ? (int)outcome : (int)SignOnResult.Failure]);
    }

    /// <summary>A Mapepire operation failed; <paramref name="sqlState"/> null for failures without one (connection lost, TLS…).</summary>
    public void RecordMapepireError(string? sqlState)
    {
        if (!_enabled) return;
        var key = sqlState is null ? "none" : IsSqlState(sqlState) ? sqlState : "other";
        if (!_sqlErrors.TryGetValue(key, out var box))
        {
            if (_sqlErrors.Count >= MaxSqlStates) key = "other";
            box = _sqlErrors.GetOrAdd(key, static _ => new StrongBox<long>());
        }
        Interlocked.Increment(ref box.Value);
    }

    private ToolSeries SeriesOf(string tool)
    {
        if (_tools.TryGetValue(tool, out var series))
            return series;
        if (_catalogSet)
            return _otherTool;
        lock (_toolsGate)
        {
            var current = _tools;
            if (current.TryGetValue(tool, out series))
                return series;
            if (_catalogSet || current.Count >= MaxUncatalogedTools || tool == OtherTool)
                return _otherTool;
            var next = new Dictionary<string, ToolSeries>(current, StringComparer.Ordinal) { [tool] = series = new ToolSeries(tool) };
            _tools = next;
            return series;
        }
    }

    /// <summary>SQLSTATE is five characters of [0-9A-Z]; anything else would let a peer invent labels.</summary>
    private static bool IsSqlState(string s)
    {
        if (s.Length != 5) return false;
        foreach (var c in s)
            if (!char.IsAsciiDigit(c) && !char.IsAsciiLetterUpper(c)) return false;
        return true;
    }

    private static long Read(Func<long>? f)
    {
        if (f is null) return 0;
        try { return f(); }
        catch (Exception ex) when (ex is not OutOfMemoryException) { return 0; }
    }

    private PoolGauges ReadPools()
    {
        if (_pools is null) return default;
        try { return _pools(); }
        catch (Exception ex) when (ex is not OutOfMemoryException) { return default; }
    }

    // ── Meter views (collection time only) ─────────────────────────────────────

    private IEnumerable<Measurement<long>> MeasureHttp()
    {
        for (var i = 0; i < _http.Length; i++)
        {
            var n = Interlocked.Read(ref _http[i]);
            if (n == 0) continue;
            yield return new Measurement<long>(n,
                new KeyValuePair<string, object?>("route", ObservabilityNames.Of((Route)(i / StatusSlots))),
                new KeyValuePair<string, object?>("status", StatusText(i % StatusSlots + StatusBase)));
        }
    }

    private IEnumerable<Measurement<long>> MeasureToolCalls()
    {
        foreach (var series in AllToolSeries())
            for (var o = 0; o < series.Outcomes.Length; o++)
            {
                var n = Interlocked.Read(ref series.Outcomes[o]);
                if (n == 0) continue;
                yield return new Measurement<long>(n,
                    new KeyValuePair<string, object?>("tool", series.Name),
                    new KeyValuePair<string, object?>("outcome", ObservabilityNames.Of((ToolCallOutcome)o)));
            }
    }

    private IEnumerable<Measurement<long>> MeasureMcpRequests()
    {
        yield return new Measurement<long>(Interlocked.Read(ref _mcpRequests[0]), new KeyValuePair<string, object?>("path", "sdk"));
        yield return new Measurement<long>(Interlocked.Read(ref _mcpRequests[1]), new KeyValuePair<string, object?>("path", "fast"));
    }

    private IEnumerable<Measurement<long>> MeasureSignOns()
    {
        for (var i = 0; i < _signOns.Length; i++)
            yield return new Measurement<long>(Interlocked.Read(ref _signOns[i]), new KeyValuePair<string, object?>("outcome", ObservabilityNames.Of((SignOnResult)i)));
    }

    private IEnumerable<Measurement<long>> MeasurePools()
    {
        var p = ReadPools();
        yield return new Measurement<long>(p.Idle, new KeyValuePair<string, object?>("state", "idle"));
        yield return new Measurement<long>(p.Busy, new KeyValuePair<string, object?>("state", "busy"));
        yield return new Measurement<long>(p.Opening, new KeyValuePair<string, object?>("state", "opening"));
    }

    private IEnumerable<Measurement<long>> MeasureSqlErrors()
    {
        foreach (var (state, box) in _sqlErrors)
            yield return new Measurement<long>(Interlocked.Read(ref box.Value), new KeyValuePair<string, object?>("sql_state", state));
    }

    /// <summary>Every series with a label: the catalog's tools, then "other"; sorted by name for a stable scrape.</summary>
    private List<ToolSeries> AllToolSeries()
    {
        var list = new List<ToolSeries>(_tools.Values);
        list.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        list.Add(_otherTool);
        return list;
    }

    private static readonly string[] s_statusText = CreateStatusText();

    private static string[] CreateStatusText()
    {
        var text = new string[StatusSlots];
        for (var i = 0; i < StatusSlots; i++)
            text[i] = (i + StatusBase).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return text;
    }

    private static string StatusText(int status) => s_statusText[status - StatusBase];

    public void Dispose() => _meter?.Dispose();
}
