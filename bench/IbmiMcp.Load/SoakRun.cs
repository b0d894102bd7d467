using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IbmiMcp.Auth;

namespace IbmiMcp.Load;

/// <summary>
/// `--soak SECONDS`: a mixed workload at a fixed rate against a running server — sign-ons (tokens that expire during
/// the run), tools/list, tools/call, revocations — sampling every 10 s the server's RSS, managed heap, open file
/// descriptors, Mapepire connections, live sessions. Verdict per series: flat when, after the first third (warm-up),
/// the last third's mean is within 10 % (plus a small absolute slack) of the middle third's.
/// </summary>
internal static class SoakRun
{
    private sealed record Sample(double Seconds, double RssMiB, double HeapMiB, int Fds, long Connections, long Sessions, long Ops, long Errors);

    public static async Task<bool> RunAsync(Uri baseUri, int serverPid, int seconds, int rate, int sampleSeconds, string user, string password, string host)
    {
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
        var key = await http.GetFromJsonAsync<JsonElement>("/api/v1/auth/public-key");
        using var rsa = RSA.Create();
        rsa.ImportFromPem(key.GetProperty("publicKey").GetString());
        var keyId = key.GetProperty("keyId").GetString()!;
        var tokens = new List<(string Token, DateTime Expires)>();
        var random = new Random(17);
        long ops = 0, errors = 0, expiredSeen = 0;
        var samples = new List<Sample>();
        var started = DateTime.UtcNow;
        var nextSample = started;
        var tick = TimeSpan.FromSeconds(1.0 / rate);
        var next = started;

        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(seconds))
        {
            var now = DateTime.UtcNow;
            tokens.RemoveAll(t => t.Expires < now.AddSeconds(-2) && Interlocked.Increment(ref expiredSeen) > 0);
            var roll = random.Next(100);
            try
            {
                // A steady population of about six live tokens: new ones replace the expired and the revoked.
                if (tokens.Count < 6 || roll < 3)
                {
                    // Tokens of 8–20 s: some expire (and are reaped) before a revocation picks them.
                    var duration = random.Next(8, 21);
                    var body = CredentialEnvelopeWriter.Write(rsa, keyId, user, Encoding.UTF8.GetBytes(password), host,
                        new CredentialEnvelopeWriter.Options(duration, 1, 2, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
                    using var response = await http.PostAsync("/api/v1/auth", new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } });
                    if (response.StatusCode == HttpStatusCode.Created)
                        tokens.Add((JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!, now.AddSeconds(duration)));
                    else errors++;
                }
                else if (tokens.Count > 6 || roll < 6)
                {
                    var i = random.Next(tokens.Count);
                    using var revoke = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/auth");
                    revoke.Headers.Authorization = new("Bearer", tokens[i].Token);
                    using var response = await http.SendAsync(revoke);
                    if (response.StatusCode is not (HttpStatusCode.NoContent or HttpStatusCode.Unauthorized)) errors++;
                    tokens.RemoveAt(i);
                }
                else
                {
                    var (token, expires) = tokens[random.Next(tokens.Count)];
                    var call = roll < 35
                        ? """{"jsonrpc":"2.0","id":1,"method":"tools/list"}"""
                        : """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"execute_sql","arguments":{"sql":"SELECT EMPNO, LASTNAME FROM SAMPLE.EMPLOYEE FETCH FIRST 5 ROWS ONLY"}}}""";
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(call, Encoding.UTF8, "application/json") };
                    request.Headers.Accept.ParseAdd("application/json");
                    request.Headers.Accept.ParseAdd("text/event-stream");
                    request.Headers.Add("MCP-Protocol-Version", "2025-06-18");
                    request.Headers.Authorization = new("Bearer", token);
                    using var response = await http.SendAsync(request);
                    var text = await response.Content.ReadAsStringAsync();
                    var expiredNow = expires <= DateTime.UtcNow.AddSeconds(1);
                    if (response.StatusCode != HttpStatusCode.OK && !(expiredNow && response.StatusCode == HttpStatusCode.Unauthorized)) errors++;
                    else if (response.StatusCode == HttpStatusCode.OK && text.Contains("\"isError\":true", StringComparison.Ordinal)) errors++;
                }
                ops++;
            }
            catch (HttpRequestException) { errors++; }

            if (DateTime.UtcNow >= nextSample)
            {
                samples.Add(await SampleAsync(http, serverPid, (DateTime.UtcNow - started).TotalSeconds, ops, errors));
                nextSample = nextSample.AddSeconds(sampleSeconds);
            }
            next += tick;
            var wait = next - DateTime.UtcNow;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
        }
        samples.Add(await SampleAsync(http, serverPid, (DateTime.UtcNow - started).TotalSeconds, ops, errors));

        Console.WriteLine("| t s | RSS MiB | GC heap MiB | open fds | Mapepire connections | live sessions | operations | errors |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var s in samples)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.Seconds:0} | {s.RssMiB:0.0} | {s.HeapMiB:0.0} | {s.Fds} | {s.Connections} | {s.Sessions} | {s.Ops} | {s.Errors} |"));

        var flat = true;
        void Verdict(string name, Func<Sample, double> series, double slack)
        {
            var third = Math.Max(1, samples.Count / 3);
            var middle = samples.Skip(third).Take(third).Select(series).DefaultIfEmpty(0).Average();
            var last = samples.Skip(samples.Count - third).Select(series).Average();
            var ok = last <= middle * 1.10 + slack;
            flat &= ok;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"soak: {name}: middle third {middle:0.0}, last third {last:0.0} — {(ok ? "flat" : "GROWING")}"));
        }
        Verdict("RSS MiB", s => s.RssMiB, 4);
        Verdict("GC heap MiB", s => s.HeapMiB, 2);
        Verdict("open fds", s => s.Fds, 8);
        Verdict("Mapepire connections", s => s.Connections, 4);
        Verdict("live sessions", s => s.Sessions, 4);
        var errorsOk = errors == 0;
        Console.WriteLine($"soak: {ops} operations, {errors} errors, {expiredSeen} tokens expired during the run — {(flat && errorsOk ? "PASS" : "FAIL")}");
        return flat && errorsOk;
    }

    private static async Task<Sample> SampleAsync(HttpClient http, int pid, double seconds, long ops, long errors)
    {
        var rss = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var fds = Directory.GetFiles($"/proc/{pid}/fd").Length;
        var metrics = await http.GetStringAsync("/metrics");
        double Metric(string name) => metrics.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal) && !l.StartsWith('#'))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        return new Sample(seconds, long.Parse(rss, CultureInfo.InvariantCulture) / 1024.0, Metric("dotnet_gc_heap_bytes") / 1048576.0, fds,
            (long)Metric("mapepire_pool_connections"), (long)Metric("ibmi_sessions_live"), ops, errors);
    }
}
