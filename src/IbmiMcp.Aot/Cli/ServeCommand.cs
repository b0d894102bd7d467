using IbmiMcp.Configuration;
using IbmiMcp.Http;
using IbmiMcp.Observability;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Cli;

/// <summary>
/// The composition root of `ibmi-mcp serve`: resolve and validate configuration (exit 1 naming every bad
/// setting), build each concern once, print the banner, serve until SIGTERM/SIGINT, stop cleanly (exit 0).
/// </summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(CommandLine commandLine)
    {
        var loaded = ConfigurationLoader.Load(commandLine.Settings);
        var stderr = Console.Error;
        if (loaded.Errors.Count > 0)
        {
            stderr.WriteLine("✗ Invalid configuration:");
            foreach (var error in loaded.Errors)
                stderr.WriteLine($"  - {error}");
            return 1;
        }
        var options = loaded.Options;
        using var loggerProvider = new StderrLoggerProvider(StderrLoggerProvider.Map(options.LogLevel));
        foreach (var warning in loaded.Warnings)
            stderr.WriteLine($"⚠ {warning}");

        if (options.Transport == TransportKind.Stdio)
        {
            stderr.WriteLine("✗ stdio transport is not available in this build yet; use --transport http");
            return 1;
        }

        var time = TimeProvider.System;
        var banner = new List<string>();
        var checks = new List<HealthCheck>
        {
            new("configuration", Required: true, _ => ValueTask.FromResult(new HealthResult(true))),
        };
        var health = new HealthEndpoint(checks, options.ServerVersion, time);

        await using var server = HttpServer.Create(options, loggerProvider, loggerFactory =>
        {
            var router = new Router(new RouteHandlers { Health = health.HandleAsync }, options.HttpEndpointPath, loggerFactory.CreateLogger<Router>());
            return router.HandleAsync;
        });

        try
        {
            await server.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            stderr.WriteLine($"✗ Cannot listen on {options.HttpHost}:{options.HttpPort}: {ex.Message}");
            return 1;
        }

        var scheme = options.HttpsEnabled ? "https" : "http";
        var address = server.Addresses.FirstOrDefault() ?? $"{scheme}://{options.HttpHost}:{options.HttpPort}";
        foreach (var line in banner)
            stderr.WriteLine(line);
        stderr.WriteLine("✓ Server ready!");
        stderr.WriteLine($"  Transport: http");
        stderr.WriteLine($"  Host:      {new Uri(address).Authority}");
        stderr.WriteLine($"  Endpoint:  {address.TrimEnd('/')}{options.HttpEndpointPath}");
        stderr.WriteLine($"  Auth:      {options.AuthMode.ToString().ToLowerInvariant()}");

        await server.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }
}
