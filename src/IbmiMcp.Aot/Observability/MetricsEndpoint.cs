using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Observability;

/// <summary>
/// GET /metrics (only routed when MCP_METRICS_ENABLED): the Prometheus text format of <see cref="ServerMetrics"/>.
/// No authentication, like /healthz: it carries counts and tool names, never users or arguments.
/// </summary>
internal sealed class MetricsEndpoint
{
    private readonly ServerMetrics _metrics;

    public MetricsEndpoint(ServerMetrics metrics) => _metrics = metrics;

    public async Task HandleAsync(HttpContext context)
    {
        var buffer = new ArrayBufferWriter<byte>(8 * 1024);
        _metrics.WritePrometheus(buffer);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = PrometheusTextWriter.ContentType;
        response.Headers.CacheControl = "no-store";
        response.ContentLength = buffer.WrittenCount;
        if (!HttpMethods.IsHead(context.Request.Method))
            await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
