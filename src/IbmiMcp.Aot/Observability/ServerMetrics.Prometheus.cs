using System.Buffers;
using System.Globalization;
using IbmiMcp.Http;

namespace IbmiMcp.Observability;

// The /metrics facet: the text exposition of every family, in a fixed order with HELP and TYPE even when empty,
// so dashboards and alert rules never see a family appear or vanish.
internal sealed partial class ServerMetrics
{
    private static readonly string[] s_bucketLabels = Array.ConvertAll(DurationBounds, b => b.ToString(CultureInfo.InvariantCulture));

    public void WritePrometheus(IBufferWriter<byte> output)
    {
        var w = new PrometheusTextWriter(output);

        w.Family("http_requests_total", "counter", "HTTP requests by route and status.");
        for (var i = 0; i < _http.Length; i++)
        {
            var n = Interlocked.Read(ref _http[i]);
            if (n == 0) continue;
            w.Begin("http_requests_total").Label("route", ObservabilityNames.Of((Route)(i / StatusSlots)))
                .Label("status", StatusText(i % StatusSlots + StatusBase)).Value(n);
        }

        var tools = AllToolSeries();
        w.Family("mcp_tool_calls_total", "counter", "tools/call by tool and outcome.");
        foreach (var series in tools)
            for (var o = 0; o < series.Outcomes.Length; o++)
            {
                var n = Interlocked.Read(ref series.Outcomes[o]);
                if (n == 0) continue;
                w.Begin("mcp_tool_calls_total").Label("tool", series.Name).Label("outcome", ObservabilityNames.Of((ToolCallOutcome)o)).Value(n);
            }

        w.Family("mcp_tool_call_duration_seconds", "histogram", "tools/call latency in seconds by tool.");
        foreach (var series in tools)
        {
            // Read the buckets once; _count is their sum, so it always equals the +Inf bucket.
            var buckets = new long[series.Buckets.Length];
            long total = 0;
            for (var b = 0; b < buckets.Length; b++) total += buckets[b] = Interlocked.Read(ref series.Buckets[b]);
            if (total == 0) continue;
            long cumulative = 0;
            for (var b = 0; b < s_bucketLabels.Length; b++)
            {
                cumulative += buckets[b];
                w.Begin("mcp_tool_call_duration_seconds_bucket").Label("tool", series.Name).Label("le", s_bucketLabels[b]).Value(cumulative);
            }
            w.Begin("mcp_tool_call_duration_seconds_bucket").Label("tool", series.Name).Label("le", "+Inf").Value(total);
            w.Begin("mcp_tool_call_duration_seconds_sum").Label("tool", series.Name)
                .Value((double)Interlocked.Read(ref series.SumTicks) / TimeSpan.TicksPerSecond);
            w.Begin("mcp_tool_call_duration_seconds_count").Label("tool", series.Name).Value(total);
        }

        w.Family("mcp_requests_total", "counter", "MCP POSTs by the path that answered them (sdk, fast).");
        w.Begin("mcp_requests_total").Label("path", "sdk").Value(Interlocked.Read(ref _mcpRequests[0]));
        w.Begin("mcp_requests_total").Label("path", "fast").Value(Interlocked.Read(ref _mcpRequests[1]));

        w.Family("ibmi_signons_total", "counter", "IBM i sign-ons by outcome.");
        for (var i = 0; i < _signOns.Length; i++)
            w.Begin("ibmi_signons_total").Label("outcome", ObservabilityNames.Of((SignOnResult)i)).Value(Interlocked.Read(ref _signOns[i]));

        w.Single("ibmi_sessions_live", "gauge", "Live IBM i token sessions.", Read(_liveSessions));

        var pools = ReadPools();
        w.Family("mapepire_pool_connections", "gauge", "Mapepire connections over all pools by state.");
        w.Begin("mapepire_pool_connections").Label("state", "idle").Value(pools.Idle);
        w.Begin("mapepire_pool_connections").Label("state", "busy").Value(pools.Busy);
        w.Begin("mapepire_pool_connections").Label("state", "opening").Value(pools.Opening);

        w.Single("mapepire_pool_waiters", "gauge", "Callers waiting for a Mapepire connection now.", pools.Waiters);

        w.Single("mapepire_pool_waits_total", "counter", "Connection rents that had to wait for a connection.", Read(_poolWaits));

        // For leak hunting (bench/run-soak.sh): RSS also holds garbage no GC has needed to collect yet.
        w.Single("dotnet_gc_heap_bytes", "gauge", "Managed heap size at the end of the last garbage collection.", GC.GetGCMemoryInfo().HeapSizeBytes);

        w.Family("mapepire_errors_total", "counter", "Mapepire errors by SQL state (none = no SQL state, e.g. connection lost).");
        var states = new List<KeyValuePair<string, long>>();
        foreach (var (state, box) in _sqlErrors)
            states.Add(new(state, Interlocked.Read(ref box.Value)));
        states.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var (state, n) in states)
            w.Begin("mapepire_errors_total").Label("sql_state", state).Value(n);

        w.Single("audit_dropped_total", "counter", "Audit events dropped because the audit buffer was full.", Read(_auditDropped));

        var process = ProcessStats.Read();
        w.Single("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", process.CpuSeconds);
        w.Single("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", process.ResidentBytes);
        w.Single("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", process.VirtualBytes);
        w.Single("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", process.StartTimeSeconds);
        w.Single("process_open_fds", "gauge", "Number of open file descriptors.", process.OpenFds);
        w.Single("process_max_fds", "gauge", "Maximum number of open file descriptors.", process.MaxFds);
    }
}
