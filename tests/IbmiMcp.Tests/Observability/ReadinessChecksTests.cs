using IbmiMcp.Http;
using IbmiMcp.Mapepire;
using IbmiMcp.Observability;

namespace IbmiMcp.Tests.Observability;

public sealed class ReadinessChecksTests
{
    [Fact]
    public async Task Server_pool_probe_is_cached_for_two_seconds_then_run_again()
    {
        var time = new ManualTimeProvider();
        var calls = 0;
        var up = true;
        var check = ReadinessChecks.ServerPool(_ => { calls++; return ValueTask.FromResult(up); }, time);

        Assert.True((await check.Probe(default)).Ready);
        up = false;
        for (var i = 0; i < 10; i++)
            Assert.True((await check.Probe(default)).Ready);   // cached
        Assert.Equal(1, calls);

        time.Advance(TimeSpan.FromSeconds(2.1));
        var down = await check.Probe(default);
        Assert.False(down.Ready);
        Assert.Equal("unavailable", down.Detail);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Concurrent_health_calls_share_one_probe()
    {
        var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var check = ReadinessChecks.ServerPool(async _ => { Interlocked.Increment(ref calls); return await gate.Task; }, new ManualTimeProvider());

        var waiting = Enumerable.Range(0, 5).Select(_ => check.Probe(default).AsTask()).ToArray();
        gate.SetResult(true);
        var results = await Task.WhenAll(waiting);

        Assert.All(results, r => Assert.True(r.Ready));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_failing_probe_reports_the_class_of_failure_and_never_the_exception_text()
    {
        var check = ReadinessChecks.ServerPool(
            _ => throw new MapepireException(MapepireFailure.Authentication, "The application server rejected the connection. (Password is incorrect: MCPUSER)"),
            new ManualTimeProvider());
        var result = await check.Probe(default);
        Assert.False(result.Ready);
        Assert.Equal("sign-on refused", result.Detail);
        Assert.True(check.Required);
        Assert.Equal("server_pool", check.Name);
    }

    [Fact]
    public async Task A_cancelled_caller_does_not_poison_the_cached_answer()
    {
        var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var check = ReadinessChecks.ServerPool(async _ => await gate.Task, new ManualTimeProvider());
        using var cts = new CancellationTokenSource();
        var first = check.Probe(cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        gate.SetResult(true);
        Assert.True((await check.Probe(default)).Ready);
    }

    [Fact]
    public async Task Keys_tools_and_sessions_report_counts_without_names()
    {
        int? tools = null;
        var toolsCheck = ReadinessChecks.Tools(() => tools);
        Assert.False((await toolsCheck.Probe(default)).Ready);
        tools = 12;
        var loaded = await toolsCheck.Probe(default);
        Assert.True(loaded.Ready);
        Assert.Equal(12, loaded.Figures!["tools"]);

        Assert.False((await ReadinessChecks.Keys(() => 0).Probe(default)).Ready);
        Assert.Equal(2, (await ReadinessChecks.Keys(() => 2).Probe(default)).Figures!["keys"]);

        var sessions = ReadinessChecks.Sessions(() => new SessionSummary(3, 7));
        Assert.False(sessions.Required);
        var s = await sessions.Probe(default);
        Assert.Equal(3, s.Figures!["sessions"]);
        Assert.Equal(7, s.Figures!["connections"]);
        Assert.True((await ReadinessChecks.Configuration().Probe(default)).Ready);
    }

    [Fact]
    public async Task Health_endpoint_answers_503_while_the_server_pool_is_down_and_200_when_it_is_back()
    {
        var time = new ManualTimeProvider();
        var up = false;
        var health = new HealthEndpoint([ReadinessChecks.Configuration(), ReadinessChecks.ServerPool(_ => ValueTask.FromResult(up), time)], "test", time);

        Assert.Equal(503, await StatusOf(health));
        up = true;
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(200, await StatusOf(health));
    }

    private static async Task<int> StatusOf(HealthEndpoint health)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Method = "GET";
        context.Response.Body = new MemoryStream();
        await health.HandleAsync(context);
        return context.Response.StatusCode;
    }
}
