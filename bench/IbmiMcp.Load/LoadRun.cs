using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace IbmiMcp.Load;

/// <summary>
/// N workers, each with its own keep-alive connection, POST one JSON-RPC request after another for a fixed time and
/// record each latency (request sent → full SSE response read). Stateless: no initialize, MCP-Protocol-Version header.
/// </summary>
internal sealed class LoadRun
{
    private readonly Uri _endpoint;
    private readonly string? _bearer;

    public LoadRun(Uri endpoint, string? bearer)
    {
        _endpoint = endpoint;
        _bearer = bearer;
    }

    /// <param name="ServerCpuMs">The server's CPU over the measured window per completed request (with a server pid).</param>
    public sealed record Outcome(string Name, int Clients, double Seconds, long Requests, long Errors, double P50Ms, double P99Ms, double MaxMs,
        double? ServerCpuMs = null)
    {
        public double PerSecond => Requests / Seconds;
    }

    /// <summary>Sends <paramref name="count"/> requests one after another on one connection; returns how many succeeded.</summary>
    public async Task<int> CountAsync(string body, int count)
    {
        var payload = Encoding.UTF8.GetBytes(body);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, UseCookies = false });
        var ok = 0;
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(payload) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
            request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-06-18");
            if (_bearer is not null)
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + _bearer);
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode && !text.Contains("\"isError\":true", StringComparison.Ordinal))
                ok++;
        }
        return ok;
    }

    public async Task<Outcome> RunAsync(string name, string body, int clients, TimeSpan duration, TimeSpan warmup, int? serverPid = null)
    {
        var payload = Encoding.UTF8.GetBytes(body);
        var latencies = new List<long>[clients];
        var errors = new long[clients];
        var stop = 0;
        var measuring = 0;
        var workers = new Task[clients];
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < clients; i++)
        {
            var index = i;
            latencies[i] = new List<long>(200_000);
            workers[i] = Task.Run(async () =>
            {
                using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1, UseCookies = false, AutomaticDecompression = System.Net.DecompressionMethods.None };
                using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
                var buffer = new byte[64 * 1024];
                while (Volatile.Read(ref stop) == 0)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(payload) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
                    request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-06-18");
                    if (_bearer is not null)
                        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + _bearer);
                    var sent = Stopwatch.GetTimestamp();
                    try
                    {
                        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                        await using var stream = await response.Content.ReadAsStreamAsync();
                        var ok = response.IsSuccessStatusCode;
                        int read;
                        while ((read = await stream.ReadAsync(buffer)) > 0)
                        {
                            // A JSON-RPC error or an isError result is a failed call for the harness.
                            var chunk = buffer.AsSpan(0, read);
                            if (chunk.IndexOf("data: {\"error\""u8) >= 0 || chunk.IndexOf("\"isError\":true"u8) >= 0)
                                ok = false;
                        }
                        if (Volatile.Read(ref measuring) == 1)
                        {
                            if (ok)
                                latencies[index].Add(Stopwatch.GetTimestamp() - sent);
                            else
                                errors[index]++;
                        }
                    }
                    catch (Exception) when (Volatile.Read(ref stop) == 0)
                    {
                        if (Volatile.Read(ref measuring) == 1)
                            errors[index]++;
                    }
                }
            });
        }

        await Task.Delay(warmup);
        Volatile.Write(ref measuring, 1);
        var measuredFrom = Stopwatch.GetTimestamp();
        var cpuFrom = serverPid is { } p0 ? ServerCpu.Nanoseconds(p0) : 0;
        await Task.Delay(duration);
        Volatile.Write(ref measuring, 0);
        var cpu = serverPid is { } p1 ? ServerCpu.Nanoseconds(p1) - cpuFrom : 0;
        var seconds = Stopwatch.GetElapsedTime(measuredFrom).TotalSeconds;
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(workers);

        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        double Percentile(double p) => all.Length == 0 ? double.NaN : Ms(all[Math.Min(all.Length - 1, (int)(p * all.Length))]);
        return new Outcome(name, clients, seconds, all.Length, errors.Sum(), Percentile(0.50), Percentile(0.99), all.Length == 0 ? double.NaN : Ms(all[^1]),
            serverPid is null || all.Length == 0 ? null : cpu / 1e6 / all.Length);
    }
}
