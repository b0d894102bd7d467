using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Http;

/// <summary>
/// GET /healthz: <c>{"status":"ok"|"degraded"|"unavailable","timestamp":…,"version":…,"checks":{name:{ready,detail,…}}}</c>.
/// 200 when every required check passes, 503 otherwise (usable as a container or load-balancer probe).
/// </summary>
internal sealed class HealthEndpoint
{
    private readonly IReadOnlyList<HealthCheck> _checks;
    private readonly string _version;
    private readonly TimeProvider _time;

    public HealthEndpoint(IReadOnlyList<HealthCheck> checks, string version, TimeProvider time)
    {
        _checks = checks;
        _version = version;
        _time = time;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var results = new HealthResult[_checks.Count];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var ready = true;
        var degraded = false;
        for (var i = 0; i < _checks.Count; i++)
        {
            try { results[i] = await _checks[i].Probe(timeout.Token).ConfigureAwait(false); }
            catch (Exception ex) when (ex is not OutOfMemoryException) { results[i] = new HealthResult(false, "check failed"); }
            if (!results[i].Ready)
            {
                if (_checks[i].Required) ready = false;
                else degraded = true;
            }
        }

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("status"u8, !ready ? "unavailable" : degraded ? "degraded" : "ok");
            w.WriteString("timestamp"u8, _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("version"u8, _version);
            w.WriteStartObject("checks"u8);
            for (var i = 0; i < _checks.Count; i++)
            {
                w.WriteStartObject(_checks[i].Name);
                w.WriteBoolean("ready"u8, results[i].Ready);
                if (results[i].Detail is { } detail) w.WriteString("detail"u8, detail);
                if (results[i].Figures is { } figures)
                    foreach (var (key, value) in figures)
                        w.WriteNumber(key, value);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }

        var response = context.Response;
        response.StatusCode = ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-store";
        response.ContentLength = buffer.WrittenCount;
        if (!HttpMethods.IsHead(context.Request.Method))
            await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
