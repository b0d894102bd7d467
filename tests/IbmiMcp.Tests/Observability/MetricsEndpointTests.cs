using System.Text;
using IbmiMcp.Http;
using IbmiMcp.Observability;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Tests.Observability;

public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Get_metrics_answers_the_prometheus_text_format_that_parses_strictly()
    {
        using var metrics = new ServerMetrics();
        metrics.SetToolNames(["employee_lookup"]);
        metrics.RecordToolCall("employee_lookup", ToolCallOutcome.Success, TimeSpan.FromMilliseconds(42));
        metrics.RecordHttpRequest(Route.Metrics, 200);
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Response.Body = new MemoryStream();

        await new MetricsEndpoint(metrics).HandleAsync(context);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", context.Response.ContentType);
        Assert.Equal("no-store", context.Response.Headers.CacheControl.ToString());
        var body = Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
        Assert.Equal(body.Length, context.Response.ContentLength);
        var e = PrometheusTextParser.Parse(body);
        Assert.Equal(1, e.Value("mcp_tool_call_duration_seconds_count", ("tool", "employee_lookup")));
        Assert.Equal(1, e.Value("http_requests_total", ("route", "metrics"), ("status", "200")));
    }

    [Fact]
    public async Task The_router_serves_metrics_only_when_wired_and_counts_each_request()
    {
        using var metrics = new ServerMetrics();
        var endpoint = new MetricsEndpoint(metrics);
        var router = new Router(new RouteHandlers
        {
            Health = c => Task.CompletedTask,
            Metrics = endpoint.HandleAsync,
            Observe = metrics.RecordHttpRequest,
        }, "/mcp", Microsoft.Extensions.Logging.Abstractions.NullLogger<Router>.Instance);

        foreach (var (method, path) in new[] { ("GET", "/metrics"), ("POST", "/metrics"), ("GET", "/nope") })
        {
            var context = new DefaultHttpContext();
            context.Request.Method = method;
            context.Request.Path = path;
            context.Response.Body = new MemoryStream();
            await router.HandleAsync(context);
        }

        var scrape = new DefaultHttpContext();
        scrape.Request.Method = "GET";
        scrape.Response.Body = new MemoryStream();
        await endpoint.HandleAsync(scrape);
        var e = PrometheusTextParser.Parse(Encoding.UTF8.GetString(((MemoryStream)scrape.Response.Body).ToArray()));
        Assert.Equal(1, e.Value("http_requests_total", ("route", "metrics"), ("status", "200")));
        Assert.Equal(1, e.Value("http_requests_total", ("route", "metrics"), ("status", "405")));
        Assert.Equal(1, e.Value("http_requests_total", ("route", "not_found"), ("status", "404")));
    }
}
