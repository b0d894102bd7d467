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
    private const string Usage = """
        Usage: ibmi-mcp healthcheck [--url URL] [--port N] [--timeout SECONDS]
          --url URL          full URL to probe (default http(s)://127.0.0.1:PORT/healthz)
          --port N           port of the local server (default MCP_HTTP_PORT, else 3010)
          --timeout SECONDS  give up after this long (default 5)
        Exit status: 0 when the server answers 200, 1 when it answers otherwise or not at all, 2 on bad usage.
        The scheme is https when MCP_HTTPS_CERT_PATH is set. For a loopback URL the server's certificate is not
        verified: the probe talks to its own process, usually through an address the certificate does not name.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        string? url = null;
        string? port = null;
        var timeoutSeconds = 5;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? value = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=') is > 2 and var eq)
            {
                value = arg[(eq + 1)..];
                arg = arg[..eq];
            }
            if (arg is "-h" or "--help")
            {
                Console.Out.WriteLine(Usage);
                return 0;
            }
            if (arg is not ("--url" or "--port" or "--timeout"))
                return Fail($"unknown option '{arg}'");
            if (value is null)
            {
                if (i + 1 >= args.Length) return Fail($"option '{arg}' needs a value");
                value = args[++i];
            }
            switch (arg)
            {
                case "--url": url = value; break;
                case "--port": port = value; break;
                default:
                    if (!int.TryParse(value, out timeoutSeconds) || timeoutSeconds is < 1 or > 300)
                        return Fail("--timeout must be a whole number of seconds between 1 and 300");
                    break;
            }
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
                return 0;
            }
            Console.Error.WriteLine($"ibmi-mcp healthcheck: {uri} answered {(int)response.StatusCode}");
            return 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            var reason = ex is TaskCanceledException ? $"no answer within {timeoutSeconds} s" : ex.Message;
            Console.Error.WriteLine($"ibmi-mcp healthcheck: {uri}: {reason}");
            return 1;
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"ibmi-mcp healthcheck: {message}");
        Console.Error.WriteLine("Run 'ibmi-mcp healthcheck --help' for usage.");
        return 2;
    }
}
