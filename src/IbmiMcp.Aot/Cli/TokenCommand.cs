using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IbmiMcp.Auth;

namespace IbmiMcp.Cli;

/// <summary>
/// <c>ibmi-mcp token</c>: the reference's get-access-token.js (spec §7) with the same flags. Fetches the server's public
/// key (or reads --public-key-path), encrypts the credentials into the envelope, posts it to /api/v1/auth and prints
/// the token. <c>--quiet</c> prints exactly <c>export IBMI_MCP_ACCESS_TOKEN="…"</c> for <c>eval "$(ibmi-mcp token -q)"</c>.
/// Exit codes (the reference exits 0 when the server refuses): 0 token issued, 1 usage/config/network error,
/// 2 the server refused the sign-on.
/// </summary>
internal static partial class TokenCommand
{
    public const int ExitOk = ExitCodes.Success, ExitError = ExitCodes.General, ExitRefused = ExitCodes.TokenRefused;

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
        => RunAsync(args, stdout, stderr, Environment.GetEnvironmentVariable, PromptPassword);

    /// <param name="getEnv">Process environment lookup (tests pass their own).</param>
    /// <param name="promptPassword">Asks for the password when no flag or variable gives one; null = cannot ask.</param>
    internal static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> getEnv,
        Func<string, string?> promptPassword)
    {
        if (!Options.TryParse(args, out var o, out var parseError))
        {
            stderr.WriteLine("token: " + parseError);
            return ExitError;
        }
        if (o.Help)
        {
            stdout.WriteLine(Usage);
            return ExitOk;
        }

        var dotEnv = DotEnv.Load(getEnv, out var envFile);
        string? Env(string name) => getEnv(name) is { Length: > 0 } v ? v : dotEnv.GetValueOrDefault(name);
        var verbose = o.Verbose && !o.Quiet ? stderr : TextWriter.Null;
        if (envFile is not null) verbose.WriteLine($"Read {envFile}");

        var user = o.User ?? Env("DB2i_USER");
        var host = o.Host ?? Env("DB2i_HOST");
        string passwordSource = o.Password is not null ? "--password" : Env("DB2i_PASS") is not null ? "DB2i_PASS" : "prompt";
        var password = o.Password ?? Env("DB2i_PASS");
        verbose.WriteLine($"User from {(o.User is not null ? "--user" : "DB2i_USER")}: {user}; host from {(o.Host is not null ? "--host" : "DB2i_HOST")}: {host}; password from {passwordSource}");
        if (string.IsNullOrWhiteSpace(user) || string.IsNullOrWhiteSpace(host))
        {
            stderr.WriteLine("token: an IBM i user and host are required (--user/-u and --host/-h, or DB2i_USER and DB2i_HOST in the environment or .env).");
            return ExitError;
        }
        password ??= promptPassword($"Password for {user.ToUpperInvariant()} on {host}: ");
        if (password is null)
        {
            stderr.WriteLine("token: no password (--password/-p or DB2i_PASS), and stdin is not a terminal to ask for one.");
            return ExitError;
        }
        if (o.PublicKeyPath is not null && o.KeyId is null)
        {
            stderr.WriteLine("token: --public-key-path needs --key-id (the server's IBMI_AUTH_KEY_ID).");
            return ExitError;
        }

        // Only a verified HTTPS server needs the system's roots (Configuration.SystemTrustStore).
        Configuration.SystemTrustStore.UseOnlyIfNeeded(o.Https && !o.Insecure);
        var baseUri = $"{(o.Https ? "https" : "http")}://{FormatHost(o.Server)}:{o.Port.ToString(CultureInfo.InvariantCulture)}";
        using var http = CreateClient(o);
        try
        {
            var (keyId, publicPem, keyError) = await GetPublicKeyAsync(http, baseUri, o, verbose).ConfigureAwait(false);
            if (keyError is not null)
            {
                stderr.WriteLine("token: " + keyError);
                return ExitError;
            }

            byte[] body;
            using (var rsa = RSA.Create())
            {
                try { rsa.ImportFromPem(publicPem); }
                catch (Exception ex) when (ex is ArgumentException or CryptographicException)
                {
                    stderr.WriteLine("token: the server's public key is not an RSA public key in PEM.");
                    return ExitError;
                }
                var passwordBytes = Encoding.UTF8.GetBytes(password);
                try
                {
                    body = CredentialEnvelopeWriter.Write(rsa, keyId!, user, passwordBytes, host,
                        new CredentialEnvelopeWriter.Options(o.Duration, o.PoolStart, o.PoolMax, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(passwordBytes);
                }
            }

            verbose.WriteLine($"POST {baseUri}/api/v1/auth (key {keyId}, duration {o.Duration}s, pool {o.PoolStart}/{o.PoolMax})");
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync(baseUri + "/api/v1/auth", content).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            verbose.WriteLine($"HTTP {(int)response.StatusCode}");
            return Report(response.StatusCode, text, o, stdout, stderr, verbose);
        }
        catch (HttpRequestException ex)
        {
            stderr.WriteLine($"token: cannot reach {baseUri}: {ex.Message}");
            if (o.Https && ex.InnerException is System.Security.Authentication.AuthenticationException)
                stderr.WriteLine("Hint: the server's certificate is not trusted; install its CA, or pass --insecure together with --public-key-path to pin the key.");
            return ExitError;
        }
        catch (TaskCanceledException)
        {
            stderr.WriteLine($"token: {baseUri} did not answer within {http.Timeout.TotalSeconds:0} s.");
            return ExitError;
        }
    }

    private static int Report(HttpStatusCode status, string text, Options o, TextWriter stdout, TextWriter stderr, TextWriter verbose)
    {
        JsonDocument? json = null;
        try { json = JsonDocument.Parse(text); }
        catch (JsonException) { }
        using (json)
        {
            if (status == HttpStatusCode.Created && json is not null && json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("access_token", out var tokenElement) && tokenElement.ValueKind == JsonValueKind.String)
            {
                var token = tokenElement.GetString()!;
                if (o.Quiet)
                {
                    stdout.WriteLine($"export IBMI_MCP_ACCESS_TOKEN=\"{token}\"");
                    return ExitOk;
                }
                stdout.WriteLine(text);
                stdout.WriteLine("✅ Authentication successful. To use the token in this shell:");
                stdout.WriteLine($"export IBMI_MCP_ACCESS_TOKEN=\"{token}\"");
                if (json.RootElement.TryGetProperty("expires_at", out var exp)) verbose.WriteLine($"Token expires at {exp}");
                return ExitOk;
            }

            string code = "unknown", message = text.Length > 500 ? text[..500] : text;
            if (json is not null && json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object)
            {
                if (error.TryGetProperty("code", out var c)) code = c.ToString();
                if (error.TryGetProperty("message", out var m)) message = m.ToString();
            }
            stderr.WriteLine("❌ Authentication failed!");
            stderr.WriteLine($"HTTP Status: {(int)status}");
            stderr.WriteLine($"Error Code: {code}");
            stderr.WriteLine($"Error Message: {message}");
            if (message.Contains("HTTPS", StringComparison.Ordinal))
                stderr.WriteLine("Hint: use --https (the server needs TLS for sign-on), or set IBMI_AUTH_ALLOW_HTTP=true on a local test server.");
            return ExitRefused;
        }
    }

    private static async Task<(string? KeyId, string PublicPem, string? Error)> GetPublicKeyAsync(HttpClient http, string baseUri, Options o, TextWriter verbose)
    {
        if (o.PublicKeyPath is not null)
        {
            try
            {
                verbose.WriteLine($"Public key from {o.PublicKeyPath}, key id {o.KeyId}");
                return (o.KeyId, await File.ReadAllTextAsync(o.PublicKeyPath).ConfigureAwait(false), null);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return (null, "", $"cannot read --public-key-path '{o.PublicKeyPath}': {ex.Message}");
            }
        }
        verbose.WriteLine($"GET {baseUri}/api/v1/auth/public-key");
        using var request = new HttpRequestMessage(HttpMethod.Get, baseUri + "/api/v1/auth/public-key");
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await http.SendAsync(request).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
            return (null, "", $"GET /api/v1/auth/public-key answered {(int)response.StatusCode} (is IBMI_HTTP_AUTH_ENABLED=true on the server?)");
        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("keyId", out var id) && id.ValueKind == JsonValueKind.String
                && root.TryGetProperty("publicKey", out var pem) && pem.ValueKind == JsonValueKind.String)
            {
                // An explicit --key-id wins (it must match a key the server still accepts).
                return (o.KeyId ?? id.GetString(), pem.GetString()!, null);
            }
        }
        catch (JsonException) { }
        return (null, "", "the public-key response has no keyId and publicKey.");
    }

    private static HttpClient CreateClient(Options o)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        if (o.Insecure)
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        // Sign-on opens poolstart IBM i jobs, which can take a while; the server's own deadline is 30 s.
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
    }

    private static string FormatHost(string server) => server.Contains(':') && !server.StartsWith('[') ? "[" + server + "]" : server;

    /// <summary>Reads a password from the terminal without echo; null when stdin is not a terminal.</summary>
    private static string? PromptPassword(string prompt)
    {
        if (Console.IsInputRedirected)
            return null;
        Console.Error.Write(prompt);
        var chars = new List<char>();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (chars.Count > 0) chars.RemoveAt(chars.Count - 1); continue; }
            if (key.Modifiers.HasFlag(ConsoleModifiers.Control) && key.Key is ConsoleKey.C or ConsoleKey.D) { Console.Error.WriteLine(); return null; }
            if (key.KeyChar != '\0') chars.Add(key.KeyChar);
        }
        Console.Error.WriteLine();
        return new string(chars.ToArray());
    }
}
