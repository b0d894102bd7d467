using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IbmiMcp.Auth;

namespace IbmiMcp.Load;

/// <summary>
/// Revocation propagation across replicas: sign on, use the token on every replica (so each caches it), DELETE it on
/// the first, then poll every replica with tools/list until each answers 401; the figure is the time from the DELETE
/// answer to the last replica's 401.
/// </summary>
internal static class RevocationRun
{
    public static async Task<List<double>> RunAsync(IReadOnlyList<Uri> replicas, string user, string password, string host, int rounds)
    {
        var clients = replicas.Select(u => new HttpClient { BaseAddress = u, Timeout = TimeSpan.FromSeconds(30) }).ToArray();
        var key = await clients[0].GetFromJsonAsync<JsonElement>("/api/v1/auth/public-key");
        using var rsa = RSA.Create();
        rsa.ImportFromPem(key.GetProperty("publicKey").GetString());
        var keyId = key.GetProperty("keyId").GetString()!;
        var results = new List<double>(rounds);
        for (int round = 0; round < rounds; round++)
        {
            var body = CredentialEnvelopeWriter.Write(rsa, keyId, user, Encoding.UTF8.GetBytes(password), host,
                new CredentialEnvelopeWriter.Options(600, 1, 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
            using var signOn = await clients[0].PostAsync("/api/v1/auth", new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } });
            var token = JsonDocument.Parse(await signOn.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
            foreach (var c in clients)
                if (await ListAsync(c, token) != HttpStatusCode.OK) throw new InvalidOperationException("a replica refused a fresh token");
            using var delete = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/auth");
            delete.Headers.Authorization = new("Bearer", token);
            using var answer = await clients[0].SendAsync(delete);
            var clock = Stopwatch.StartNew();
            var done = new Task<double>[clients.Length];
            for (int i = 0; i < clients.Length; i++)
            {
                var c = clients[i];
                done[i] = Task.Run(async () =>
                {
                    while (await ListAsync(c, token) != HttpStatusCode.Unauthorized)
                        if (clock.Elapsed > TimeSpan.FromSeconds(30)) return double.PositiveInfinity;
                    return clock.Elapsed.TotalMilliseconds;
                });
            }
            results.Add((await Task.WhenAll(done)).Max());
        }
        foreach (var c in clients) c.Dispose();
        results.Sort();
        return results;
    }

    private static async Task<HttpStatusCode> ListAsync(HttpClient client, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-06-18");
        request.Headers.Authorization = new("Bearer", token);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
