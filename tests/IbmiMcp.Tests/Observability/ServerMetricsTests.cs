using System.Buffers;
using System.Diagnostics.Metrics;
using System.Text;
using IbmiMcp.Http;
using IbmiMcp.Observability;

namespace IbmiMcp.Tests.Observability;

public sealed class ServerMetricsTests
{
    private static PrometheusTextParser.Exposition Scrape(ServerMetrics metrics)
    {
        var buffer = new ArrayBufferWriter<byte>();
        metrics.WritePrometheus(buffer);
        return PrometheusTextParser.Parse(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void An_idle_server_exposes_every_family_with_help_and_type()
    {
        using var metrics = new ServerMetrics();
        var e = Scrape(metrics);
        string[] expected =
        [
            "http_requests_total", "mcp_tool_calls_total", "mcp_tool_call_duration_seconds", "mcp_requests_total", "ibmi_signons_total",
            "ibmi_sessions_live", "mapepire_pool_connections", "mapepire_pool_waiters", "mapepire_pool_waits_total", "dotnet_gc_heap_bytes",
            "mapepire_errors_total", "audit_dropped_total", "process_cpu_seconds_total", "process_resident_memory_bytes",
            "process_virtual_memory_bytes", "process_start_time_seconds", "process_open_fds", "process_max_fds",
        ];
        Assert.Equal(expected.Order(), e.Families.Keys.Order());
        Assert.Equal(0, e.Value("ibmi_signons_total", ("outcome", "rate_limited")));
        Assert.Equal(0, e.Value("mcp_requests_total", ("path", "fast")));
        Assert.Equal(0, e.Value("mapepire_pool_connections", ("state", "opening")));
    }

    [Fact]
    public void The_process_families_read_this_process_from_proc()
    {
        using var metrics = new ServerMetrics();
        Thread.SpinWait(1_000_000);   // some CPU of our own, so the counter cannot read 0 however coarse the ticks
        var e = Scrape(metrics);
        Assert.True(e.Value("process_cpu_seconds_total") > 0);
        var resident = e.Value("process_resident_memory_bytes")!.Value;
        Assert.InRange(resident, 1 << 20, e.Value("process_virtual_memory_bytes")!.Value);
        Assert.Equal((double)Environment.WorkingSet, resident, tolerance: 256.0 * 1024 * 1024);
        var started = DateTimeOffset.FromUnixTimeMilliseconds((long)(e.Value("process_start_time_seconds")!.Value * 1000));
        var processStart = new DateTimeOffset(System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime());
        Assert.InRange(started, processStart.AddSeconds(-2), DateTimeOffset.UtcNow);
        Assert.InRange(e.Value("process_open_fds")!.Value, 3, e.Value("process_max_fds")!.Value);
    }

    [Fact]
    public void Requests_sign_ons_errors_and_gauges_are_counted_with_their_labels()
    {
        using var metrics = new ServerMetrics();
        metrics.RecordHttpRequest(Route.Mcp, 200);
        metrics.RecordHttpRequest(Route.Mcp, 200);
        metrics.RecordHttpRequest(Route.Auth, 401);
        metrics.RecordHttpRequest(Route.NotFound, 404);
        metrics.RecordSignOn(SignOnResult.Success);
        metrics.RecordSignOn(SignOnResult.RateLimited);
        metrics.RecordSignOn(SignOnResult.RateLimited);
        metrics.RecordMapepireError("42501");
        metrics.RecordMapepireError("42501");
        metrics.RecordMapepireError(null);
        metrics.RecordMapepireError("not a state\"}");
        metrics.ObservePoolWaits(() => 1);
        metrics.ObserveSessions(() => 3);
        metrics.ObservePools(() => new PoolGauges(Idle: 2, Busy: 1, Opening: 1, Waiters: 4));
        var audit = new AuditLog(new MemoryAuditSink(), TimeProvider.System, capacity: 1);
        audit.Dispose();
        audit.TokenExpired("A", "s");
        metrics.ObserveAudit(audit);

        var e = Scrape(metrics);
        Assert.Equal(2, e.Value("http_requests_total", ("route", "mcp"), ("status", "200")));
        Assert.Equal(1, e.Value("http_requests_total", ("route", "auth"), ("status", "401")));
        Assert.Equal(1, e.Value("http_requests_total", ("route", "not_found"), ("status", "404")));
        Assert.Equal(1, e.Value("ibmi_signons_total", ("outcome", "success")));
        Assert.Equal(2, e.Value("ibmi_signons_total", ("outcome", "rate_limited")));
        Assert.Equal(2, e.Value("mapepire_errors_total", ("sql_state", "42501")));
        Assert.Equal(1, e.Value("mapepire_errors_total", ("sql_state", "none")));
        Assert.Equal(1, e.Value("mapepire_errors_total", ("sql_state", "other")));
        Assert.Equal(1, e.Value("mapepire_pool_waits_total"));
        Assert.Equal(3, e.Value("ibmi_sessions_live"));
        Assert.Equal(2, e.Value("mapepire_pool_connections", ("state", "idle")));
        Assert.Equal(1, e.Value("mapepire_pool_connections", ("state", "busy")));
        Assert.Equal(4, e.Value("mapepire_pool_waiters"));
        Assert.Equal(1, e.Value("audit_dropped_total"));
    }

    [Fact]
    public void Tool_calls_fill_a_consistent_histogram_per_catalog_tool_and_unknown_tools_count_as_other()
    {
        using var metrics = new ServerMetrics();
        metrics.SetToolNames(["employee_lookup", "active_jobs"]);
        metrics.RecordToolCall("employee_lookup", ToolCallOutcome.Success, TimeSpan.FromMilliseconds(3));
        metrics.RecordToolCall("employee_lookup", ToolCallOutcome.Success, TimeSpan.FromMilliseconds(10));   // on a bound: le is inclusive
        metrics.RecordToolCall("employee_lookup", ToolCallOutcome.SqlError, TimeSpan.FromSeconds(90));
        metrics.RecordToolCall("made_up_by_a_client", ToolCallOutcome.Rejected, TimeSpan.Zero);

        var e = Scrape(metrics);
        Assert.Equal(2, e.Value("mcp_tool_calls_total", ("tool", "employee_lookup"), ("outcome", "success")));
        Assert.Equal(1, e.Value("mcp_tool_calls_total", ("tool", "employee_lookup"), ("outcome", "sql_error")));
        Assert.Equal(1, e.Value("mcp_tool_calls_total", ("tool", "other"), ("outcome", "rejected")));
        Assert.Null(e.Value("mcp_tool_calls_total", ("tool", "made_up_by_a_client"), ("outcome", "rejected")));
        Assert.Equal(1, e.Value("mcp_tool_call_duration_seconds_bucket", ("tool", "employee_lookup"), ("le", "0.005")));
        Assert.Equal(2, e.Value("mcp_tool_call_duration_seconds_bucket", ("tool", "employee_lookup"), ("le", "0.01")));
        Assert.Equal(2, e.Value("mcp_tool_call_duration_seconds_bucket", ("tool", "employee_lookup"), ("le", "60")));
        Assert.Equal(3, e.Value("mcp_tool_call_duration_seconds_bucket", ("tool", "employee_lookup"), ("le", "+Inf")));
        Assert.Equal(3, e.Value("mcp_tool_call_duration_seconds_count", ("tool", "employee_lookup")));
        Assert.Equal(90.013, e.Value("mcp_tool_call_duration_seconds_sum", ("tool", "employee_lookup"))!.Value, 6);
        Assert.Null(e.Value("mcp_tool_call_duration_seconds_count", ("tool", "active_jobs")));   // no calls, no series
    }

    [Fact]
    public void A_catalog_reload_keeps_the_counts_of_tools_that_remain()
    {
        using var metrics = new ServerMetrics();
        metrics.SetToolNames(["a", "b"]);
        metrics.RecordToolCall("a", ToolCallOutcome.Success, TimeSpan.FromMilliseconds(1));
        metrics.RecordToolCall("b", ToolCallOutcome.Success, TimeSpan.FromMilliseconds(1));
        metrics.SetToolNames(["a", "c"]);
        metrics.RecordToolCall("b", ToolCallOutcome.Success, TimeSpan.FromMilliseconds(1));

        var e = Scrape(metrics);
        Assert.Equal(1, e.Value("mcp_tool_calls_total", ("tool", "a"), ("outcome", "success")));
        Assert.Null(e.Value("mcp_tool_calls_total", ("tool", "b"), ("outcome", "success")));
        Assert.Equal(1, e.Value("mcp_tool_calls_total", ("tool", "other"), ("outcome", "success")));
    }

    [Fact]
    public void Without_a_catalog_tool_labels_are_capped()
    {
        using var metrics = new ServerMetrics();
        for (var i = 0; i < ServerMetrics.MaxUncatalogedTools + 50; i++)
            metrics.RecordToolCall($"tool_{i}", ToolCallOutcome.Success, TimeSpan.FromMilliseconds(1));
        var e = Scrape(metrics);
        var tools = e.Families["mcp_tool_calls_total"].Samples.Select(s => s.Labels["tool"]).Distinct().ToList();
        Assert.Equal(ServerMetrics.MaxUncatalogedTools + 1, tools.Count);
        Assert.Equal(50, e.Value("mcp_tool_calls_total", ("tool", "other"), ("outcome", "success")));
    }

    [Fact]
    public void Sql_state_labels_are_capped()
    {
        using var metrics = new ServerMetrics();
        for (var i = 0; i < ServerMetrics.MaxSqlStates + 20; i++)
            metrics.RecordMapepireError($"{i:D5}");
        var e = Scrape(metrics);
        Assert.True(e.Families["mapepire_errors_total"].Samples.Count <= ServerMetrics.MaxSqlStates + 1);
        Assert.Equal(ServerMetrics.MaxSqlStates + 20, e.Families["mapepire_errors_total"].Samples.Sum(s => s.Value));
    }

    [Fact]
    public void Tool_names_with_quotes_backslashes_and_newlines_are_escaped()
    {
        using var metrics = new ServerMetrics();
        const string odd = "we\"ird\\tool\nname";
        metrics.SetToolNames([odd]);
        metrics.RecordToolCall(odd, ToolCallOutcome.Success, TimeSpan.FromMilliseconds(1));
        var e = Scrape(metrics);
        Assert.Equal(1, e.Value("mcp_tool_calls_total", ("tool", odd), ("outcome", "success")));
    }

    [Fact]
    public void Concurrent_recording_loses_no_counts()
    {
        using var metrics = new ServerMetrics();
        metrics.SetToolNames(["t"]);
        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                metrics.RecordToolCall("t", ToolCallOutcome.Success, TimeSpan.FromMilliseconds(i % 100));
                metrics.RecordHttpRequest(Route.Mcp, 200);
            }
        });
        var e = Scrape(metrics);
        Assert.Equal(40_000, e.Value("mcp_tool_call_duration_seconds_count", ("tool", "t")));
        Assert.Equal(40_000, e.Value("http_requests_total", ("route", "mcp"), ("status", "200")));
    }

    [Fact]
    public void The_disabled_instance_records_nothing()
    {
        var metrics = ServerMetrics.Disabled;
        metrics.RecordHttpRequest(Route.Mcp, 200);
        metrics.RecordToolCall("t", ToolCallOutcome.Success, TimeSpan.FromMilliseconds(1));
        var e = Scrape(metrics);
        Assert.Null(e.Value("http_requests_total", ("route", "mcp"), ("status", "200")));
        Assert.Same(ServerMetrics.Disabled, ServerMetrics.Create(new Configuration.ServerOptions()));
        Assert.NotSame(ServerMetrics.Disabled, ServerMetrics.Create(new Configuration.ServerOptions { MetricsEnabled = true }));
    }

    [Fact]
    public void The_meter_publishes_the_same_counts_to_a_listener()
    {
        using var metrics = new ServerMetrics();
        metrics.SetToolNames(["t"]);
        var seen = new List<(string Instrument, double Value, string Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ServerMetrics.MeterName && ReferenceEquals(instrument.Meter, metrics.Meter))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => { lock (seen) seen.Add((i.Name, v, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}")))); });
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => { lock (seen) seen.Add((i.Name, v, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}")))); });
        listener.Start();

        metrics.RecordToolCall("t", ToolCallOutcome.Success, TimeSpan.FromMilliseconds(250));
        metrics.RecordSignOn(SignOnResult.Failure);
        listener.RecordObservableInstruments();

        Assert.Contains(("mcp_tool_call_duration_seconds", 0.25, "tool=t"), seen);
        Assert.Contains(("mcp_tool_calls_total", 1.0, "tool=t,outcome=success"), seen);
        Assert.Contains(("ibmi_signons_total", 1.0, "outcome=failure"), seen);
    }
}
