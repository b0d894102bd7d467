using System.Net;
using System.Security.Cryptography.X509Certificates;
using IbmiMcp.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Http;

/// <summary>
/// Kestrel with no middleware: one terminal RequestDelegate (the <see cref="Router"/>). TLS is terminated by
/// Kestrel itself when MCP_HTTPS_CERT_PATH/KEY_PATH are set; that needs the host-level
/// UseKestrelHttpsConfiguration (raw KestrelServer.UseHttps lacks IHttpsConfigurationService).
/// </summary>
internal sealed class HttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpServer(WebApplication app) => _app = app;

    public static HttpServer Create(ServerOptions options, ILoggerProvider loggerProvider, Func<ILoggerFactory, RequestDelegate> buildPipeline)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(loggerProvider);
        builder.Logging.SetMinimumLevel(StderrMinimum(options));
        // Kestrel and hosting chatter stays below warnings; our own categories follow MCP_LOG_LEVEL.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

        builder.WebHost.UseKestrelCore();
        if (options.HttpsEnabled)
            builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.Limits.MaxRequestHeaderCount = 64;
            k.Limits.MaxRequestLineSize = 8 * 1024;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
            X509Certificate2? certificate = options.HttpsEnabled
                ? X509Certificate2.CreateFromPemFile(options.HttpsCertPath!, options.HttpsKeyPath)
                : null;
            void Configure(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen)
            {
                if (certificate is not null)
                    listen.UseHttps(certificate);
            }
            switch (options.HttpHost)
            {
                case "localhost": k.ListenLocalhost(options.HttpPort, Configure); break;
                case "0.0.0.0" or "*": k.Listen(IPAddress.Any, options.HttpPort, Configure); break;
                case "::" or "[::]": k.Listen(IPAddress.IPv6Any, options.HttpPort, Configure); break;
                default: k.Listen(IPAddress.Parse(options.HttpHost.Trim('[', ']')), options.HttpPort, Configure); break;
            }
        });

        var app = builder.Build();
        app.Run(buildPipeline(app.Services.GetRequiredService<ILoggerFactory>()));
        return new HttpServer(app);
    }

    public IServiceProvider Services => _app.Services;

    public ILoggerFactory LoggerFactory => _app.Services.GetRequiredService<ILoggerFactory>();

    /// <summary>Bound addresses (the real port when MCP_HTTP_PORT=0).</summary>
    public IReadOnlyCollection<string> Addresses =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];

    public Task StartAsync(CancellationToken ct) => _app.StartAsync(ct);

    /// <summary>Completes when SIGTERM/SIGINT (or StopAsync) stops the host.</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public CancellationToken ApplicationStopping => _app.Lifetime.ApplicationStopping;

    public Task StopAsync() => _app.StopAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    public static LogLevel StderrMinimum(ServerOptions options) => Observability.StderrLoggerProvider.Map(options.LogLevel);

    public static bool IsValidHost(string host) =>
        host is "localhost" or "0.0.0.0" or "*" or "::" or "[::]" || IPAddress.TryParse(host.Trim('[', ']'), out _);
}
