using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using IbmiMcp.Auth;

namespace IbmiMcp.Load;

/// <summary>
/// The OAuth authorization server's steps, each measured alone in server CPU (utime + stime of the server process),
/// as an MCP client and a browser drive them: the sign-in page (GET /oauth/authorize), the sign-in POST (an IBM i
/// sign-on: the guard, the connect, the profile read), the code exchange, a refresh (again an IBM i sign-on), and the
/// time from the sign-in POST to the first tools/call result (POST, redirect, exchange, initialize, tools/call).
/// Every round ends its grant by revocation, outside the measured windows. The page's weight is reported too.
/// </summary>
internal static partial class OAuthRun
{
    public sealed record Outcome(int Rounds, int PageBytes, int AssetBytes, double PageCpuMs, double SignInCpuMs, double ExchangeCpuMs,
        double RefreshCpuMs, double MedianSignInToResultMs, double P90SignInToResultMs);

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenField();

    public static async Task<Outcome> RunAsync(Uri baseUri, string user, string password, int rounds, int serverPid)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
        const string Redirect = "http://127.0.0.1:9/callback";   // never contacted: the code is read from the Location header
        using var registered = await http.PostAsJsonAsync("/oauth/register", new { client_name = "oauth bench", redirect_uris = new[] { Redirect } });
        var clientId = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("client_id").GetString()!;
        var key = await http.GetFromJsonAsync<JsonElement>("/api/v1/auth/public-key");
        using var rsa = RSA.Create();
        rsa.ImportFromPem(key.GetProperty("publicKey").GetString());
        var keyId = key.GetProperty("keyId").GetString()!;
        var passwordBytes = Encoding.UTF8.GetBytes(password);
        var resource = new Uri(baseUri, "/mcp").AbsoluteUri;

        int assetBytes = (await http.GetByteArrayAsync("/oauth/assets/signin.css")).Length + (await http.GetByteArrayAsync("/oauth/assets/signin.js")).Length;
        int pageBytes = 0;
        long page = 0, signIn = 0, exchange = 0, refresh = 0;
        var toResult = new List<double>(rounds);
        await RoundAsync(measure: false);   // warm-up: the first OAuth request builds OpenIddict's services
        for (int i = 0; i < rounds; i++) await RoundAsync(measure: true);
        toResult.Sort();
        double PerRound(long ns) => ns / 1e6 / rounds;
        return new Outcome(rounds, pageBytes, assetBytes, PerRound(page), PerRound(signIn), PerRound(exchange), PerRound(refresh),
            toResult[toResult.Count / 2], toResult[(int)(toResult.Count * 0.9)]);

        async Task RoundAsync(bool measure)
        {
            var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
            var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
            var query = $"/oauth/authorize?response_type=code&client_id={Uri.EscapeDataString(clientId)}&redirect_uri={Uri.EscapeDataString(Redirect)}"
                + $"&code_challenge={challenge}&code_challenge_method=S256&state=bench&resource={Uri.EscapeDataString(resource)}";

            long cpu = ServerCpu.Nanoseconds(serverPid);
            var html = await http.GetStringAsync(query);
            if (measure) page += ServerCpu.Nanoseconds(serverPid) - cpu;
            pageBytes = Encoding.UTF8.GetByteCount(html);

            var fields = HiddenField().Matches(html).Select(m => KeyValuePair.Create(m.Groups[1].Value, WebUtility.HtmlDecode(m.Groups[2].Value))).ToList();
            var envelope = CredentialEnvelopeWriter.Write(rsa, keyId, user, passwordBytes, "localhost",
                new CredentialEnvelopeWriter.Options(null, 1, 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
            fields.RemoveAll(f => f.Key == "envelope");
            fields.Add(KeyValuePair.Create("envelope", Encoding.UTF8.GetString(envelope)));

            var started = Stopwatch.GetTimestamp();
            cpu = ServerCpu.Nanoseconds(serverPid);
            using var signedIn = await http.PostAsync("/oauth/authorize", new FormUrlEncodedContent(fields));
            if (measure) signIn += ServerCpu.Nanoseconds(serverPid) - cpu;
            if (signedIn.StatusCode != HttpStatusCode.Redirect)
                throw new InvalidOperationException($"sign-in: HTTP {(int)signedIn.StatusCode}: {await signedIn.Content.ReadAsStringAsync()}");
            var code = System.Web.HttpUtility.ParseQueryString(signedIn.Headers.Location!.Query)["code"]!;

            cpu = ServerCpu.Nanoseconds(serverPid);
            var tokens = await TokenAsync(new() { ["grant_type"] = "authorization_code", ["code"] = code, ["code_verifier"] = verifier,
                ["client_id"] = clientId, ["redirect_uri"] = Redirect });
            if (measure) exchange += ServerCpu.Nanoseconds(serverPid) - cpu;

            await FirstToolResultAsync(tokens.GetProperty("access_token").GetString()!);
            if (measure) toResult.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);

            cpu = ServerCpu.Nanoseconds(serverPid);
            var refreshed = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!,
                ["client_id"] = clientId });
            if (measure) refresh += ServerCpu.Nanoseconds(serverPid) - cpu;

            using var revoked = await http.PostAsync("/oauth/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["token"] = refreshed.GetProperty("refresh_token").GetString()!, ["client_id"] = clientId,
            }));
        }

        async Task<JsonElement> TokenAsync(Dictionary<string, string> form)
        {
            using var response = await http.PostAsync("/oauth/token", new FormUrlEncodedContent(form));
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"token: HTTP {(int)response.StatusCode}: {body}");
            return body;
        }

        async Task FirstToolResultAsync(string token)
        {
            // What an MCP client does first with its token: initialize, then the call (stateless: no session id to carry).
            foreach (var body in new[]
            {
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"oauth-bench","version":"1"}}}""",
                """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"execute_sql","arguments":{"sql":"SELECT CURRENT USER FROM SYSIBM.SYSDUMMY1"}}}""",
            })
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Authorization = new("Bearer", token);
                request.Headers.Accept.ParseAdd("application/json");
                request.Headers.Accept.ParseAdd("text/event-stream");
                using var response = await http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode || text.Contains("\"isError\":true", StringComparison.Ordinal))
                    throw new InvalidOperationException($"/mcp: HTTP {(int)response.StatusCode}: {text}");
            }
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
