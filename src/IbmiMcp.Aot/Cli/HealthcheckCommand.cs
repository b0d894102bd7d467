using System.Net;
using System.Net.Security;

namespace IbmiMcp.Cli;

/// <summary>
/// <c>ibmi-mcp healthcheck [--url URL] [--port N] [--timeout SECONDS]</c>: GET /healthz of a running server and
/// exit 0 on 200, 1 otherwise. It exists because the container image is FROM scratch (no shell, no curl), so
/// the image's HEALTHCHECK and Kubernetes exec probes run the binary itself.
/// </summary>
internal static class HealthcheckCommand
{
    private static readonly CliOptionSet Flags = new(
    [
        new("url", "URL", "full URL to probe (default http(s)://127.0.0.1:PORT/healthz)"),
        new("port", "N", "port of the local server (default MCP_HTTP_PORT, else 3010)"),
        new("timeout", "SECONDS", "give up after this long (default 5)"),
        new("help", null, "this text"),
    ]);

    private static readonly string Usage = new CliHelp
    {
        Usage = ["ibmi-mcp healthcheck [--url URL] [--port N] [--timeout SECONDS]"],
        Summary = "Probes GET /healthz of a running server.",
        Notes = $"""
            Exit status: {ExitCodes.Success} when the server answers 200, {ExitCodes.General} when it answers otherwise or not at all, {ExitCodes.Usage} on bad usage.
            The scheme is https when MCP_HTTPS_CERT_PATH is set. For a loopback URL the server's certificate is not
            verified: the probe talks to its own process, usually through an address the certificate does not name.
            """,
    }.WithOptions("options", Flags.Options).Render();

    public static async Task<int> RunAsync(string[] args)
    {
        CliArguments a;
        try
        {
            a = CliArguments.Parse(args, Flags).NoMorePositionals();
        }
        catch (CliException ex)
        {
            return Fail(ex.Message);
        }
        if (a.Flag("help"))
        {
            Console.Out.Write(Usage);
            return ExitCodes.Success;
        }
        var url = a.Value("url");
        var port = a.Value("port");
        int timeoutSeconds;
        try
        {
            timeoutSeconds = a.Number("timeout", 5, 1, 300);
        }
        catch (CliException)
        {
            return Fail("--timeout must be a whole number of seconds between 1 and 300");
        }

        if (url is null)
        {
            port ??= Environment.GetEnvironmentVariable("MCP_HTTP_PORT") is { Length: > 0 } p ? p : "3010";
            if (!int.TryParse(port, out var n) || n is < 1 or > 65535)
                return Fail($"port '{port}' is not a number between 1 and 65535");
            var scheme = Environment.GetEnvironmentVariable("MCP_HTTPS_CERT_PATH") is { Length: > 0 } ? "https" : "http";
            url = $"{scheme}://127.0.0.1:{n}/healthz";
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return Fail($"'{url}' is not an http or https URL");

        var loopback = uri.IsLoopback;
        // A loopback probe trusts its own process whatever it presents: no system roots (Configuration.SystemTrustStore).
        Configuration.SystemTrustStore.UseOnlyIfNeeded(uri.Scheme == "https" && !loopback);
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, _, _, errors) => loopback || errors == SslPolicyErrors.None,
            },
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(timeoutSeconds) };
        try
        {
            using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Console.Out.WriteLine($"healthy: {uri} answered 200");
                return ExitCodes.Success;
            }
            Console.Error.WriteLine($"ibmi-mcp healthcheck: {uri} answered {(int)response.StatusCode}");
            return ExitCodes.General;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            var reason = ex is TaskCanceledException ? $"no answer within {timeoutSeconds} s" : ex.Message;
            Console.Error.WriteLine($"ibmi-mcp healthcheck: {uri}: {reason}");
            return ExitCodes.General;
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"ibmi-mcp healthcheck: {message}");
        Console.Error.WriteLine("Run 'ibmi-mcp healthcheck --help' for usage.");
        return ExitCodes.Usage;
    }
}
