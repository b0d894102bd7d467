using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IbmiMcp.Auth;

namespace IbmiMcp.Load;

/// <summary>
/// Sequential sign-ons through POST /api/v1/auth, each with a freshly built envelope (the public key is fetched once),
/// as <c>ibmi-mcp token</c> does: latency per sign-on and, when the server's pid is given, the server's own CPU per
/// sign-on (the emulator's work is in another process and not counted). Each token is signed out after its sign-on is
/// measured, so the session cap never interferes.
/// </summary>
internal static class SignOnRun
{
    public sealed record Outcome(int Count, int Failures, double MedianMs, double P90Ms, double? CpuMsPerSignOn);

    public static async Task<Outcome> RunAsync(Uri baseUri, string user, string password, string host, int count, int? serverPid, bool keep = false, int poolStart = 1)
    {
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
        var key = await http.GetFromJsonAsync<JsonElement>("/api/v1/auth/public-key");
        using var rsa = RSA.Create();
        rsa.ImportFromPem(key.GetProperty("publicKey").GetString());
        var keyId = key.GetProperty("keyId").GetString()!;
        var passwordBytes = Encoding.UTF8.GetBytes(password);

        // One warm-up sign-on (first-use costs: TLS session, JIT of the emulator), not measured.
        await SignOnOnceAsync();
        var latencies = new List<double>(count);
        int failures = 0;
        long cpuBefore = serverPid is { } p ? ServerCpu.Nanoseconds(p) : 0;
        long cpuInSignOut = 0;
        for (int i = 0; i < count; i++)
        {
            var (ms, token) = await SignOnOnceAsync();
            if (token is null) { failures++; continue; }
            latencies.Add(ms);
            if (keep) continue;
            // Sign-out is not part of the figure: take its CPU out.
            long before = serverPid is { } p1 ? ServerCpu.Nanoseconds(p1) : 0;
            using var signOut = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/auth");
            signOut.Headers.Authorization = new("Bearer", token);
            (await http.SendAsync(signOut)).Dispose();
            if (serverPid is { } p2) cpuInSignOut += ServerCpu.Nanoseconds(p2) - before;
        }
        double? cpu = serverPid is { } p3 ? (ServerCpu.Nanoseconds(p3) - cpuBefore - cpuInSignOut) / 1e6 / latencies.Count : null;
        latencies.Sort();
        return new Outcome(count, failures, latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.9)], cpu);

        async Task<(double Ms, string? Token)> SignOnOnceAsync()
        {
            var body = CredentialEnvelopeWriter.Write(rsa, keyId, user, passwordBytes, host,
                new CredentialEnvelopeWriter.Options(3600, poolStart, Math.Max(2, poolStart), DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
            var started = Stopwatch.GetTimestamp();
            using var response = await http.PostAsync("/api/v1/auth", new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } });
            var text = await response.Content.ReadAsStringAsync();
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if ((int)response.StatusCode != 201) return (ms, null);
            return (ms, JsonDocument.Parse(text).RootElement.GetProperty("access_token").GetString());
        }
    }
}
