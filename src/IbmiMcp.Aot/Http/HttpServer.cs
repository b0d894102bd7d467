using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using IbmiMcp.Configuration;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IbmiMcp.Http;

/// <summary>
/// Raw Kestrel: a <see cref="KestrelServer"/> driving one terminal RequestDelegate (the <see cref="Router"/>), with no
/// generic host, no configuration system and no request pipeline: the host cost 17 ms of a 45 ms start-up, most of it
/// its service container resolving open generics, which Native AOT constructs at run time (bench/RESULTS.md, issue 17).
/// Kestrel's socket transport and HTTPS still come from the services UseKestrelCore/UseSockets register (see
/// <see cref="KestrelServices"/>). TLS is Kestrel's own (MCP_HTTPS_CERT_PATH/KEY_PATH).
/// </summary>
internal sealed class HttpServer : IAsyncDisposable
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(10);

    private readonly KestrelServer _kestrel;
    private readonly ServiceProvider _services;
    private readonly TaskCompletionSource _stopSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<PosixSignalRegistration> _signals = [];

    private HttpServer(KestrelServer kestrel, ServiceProvider services)
    {
        _kestrel = kestrel;
        _services = services;
    }

    /// <summary>Configures the listener (limits, address, certificate); nothing is bound until <see cref="StartAsync"/>.</summary>
    public static HttpServer Create(ServerOptions options, ILoggerFactory loggerFactory)
    {
        // The certificate first: a file that does not load stops start-up before anything else is built.
        var https = options.HttpsEnabled
            ? new HttpsConnectionAdapterOptions { ServerCertificate = X509Certificate2.CreateFromPemFile(options.HttpsCertPath!, options.HttpsKeyPath) }
            : null;
        var services = KestrelServices.Build(loggerFactory);
        // HTTPS listeners take their logger factory and metrics from here.
        var kestrel = new KestrelServerOptions { AddServerHeader = false, ApplicationServices = services };
        kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
        kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        kestrel.Limits.MaxRequestHeaderCount = 64;
        kestrel.Limits.MaxRequestLineSize = 8 * 1024;
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);

        void Configure(ListenOptions listen)
        {
            if (https is not null)
                listen.UseHttps(https);
        }
        switch (options.HttpHost)
        {
            case "localhost": kestrel.ListenLocalhost(options.HttpPort, Configure); break;
            case "0.0.0.0" or "*": kestrel.Listen(IPAddress.Any, options.HttpPort, Configure); break;
            case "::" or "[::]": kestrel.Listen(IPAddress.IPv6Any, options.HttpPort, Configure); break;
            default: kestrel.Listen(IPAddress.Parse(options.HttpHost.Trim('[', ']')), options.HttpPort, Configure); break;
        }

        var transport = services.GetRequiredService<IConnectionListenerFactory>();
        return new HttpServer(new KestrelServer(Options.Create(kestrel), transport, loggerFactory), services);
    }

    /// <summary>Bound addresses (the real port when MCP_HTTP_PORT=0).</summary>
    public IReadOnlyCollection<string> Addresses => _kestrel.Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];

    /// <summary>Binds and serves <paramref name="app"/>; SIGTERM, SIGINT and SIGQUIT from then on stop the server (see WaitForShutdownAsync).</summary>
    public async Task StartAsync(RequestDelegate app, CancellationToken ct)
    {
        await _kestrel.StartAsync(new RouterApplication(app), ct).ConfigureAwait(false);
        foreach (var signal in (ReadOnlySpan<PosixSignal>)[PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT])
            _signals.Add(PosixSignalRegistration.Create(signal, c => { c.Cancel = true; _stopSignal.TrySetResult(); }));
    }

    /// <summary>Completes when a stop signal arrives and Kestrel has stopped: in-flight requests get up to 10 s, then are aborted.</summary>
    public async Task WaitForShutdownAsync()
    {
        await _stopSignal.Task.ConfigureAwait(false);
        await StopAsync().ConfigureAwait(false);
    }

    public async Task StopAsync()
    {
        _stopSignal.TrySetResult();
        using var timeout = new CancellationTokenSource(ShutdownTimeout);
        await _kestrel.StopAsync(timeout.Token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var signal in _signals)
            signal.Dispose();
        _kestrel.Dispose();
        await _services.DisposeAsync().ConfigureAwait(false);
    }

    public static bool IsValidHost(string host) =>
        host is "localhost" or "0.0.0.0" or "*" or "::" or "[::]" || IPAddress.TryParse(host.Trim('[', ']'), out _);

    /// <summary>
    /// One HttpContext per connection, re-initialised for each request on it (as ASP.NET's hosting layer does through
    /// Kestrel's IHostContextContainer), so keep-alive requests allocate no new context. The context type Kestrel is
    /// instantiated over is a struct: its generic request loop is then compiled ahead of time for it, where a class
    /// (shared generic code) has Native AOT build the method's dictionary at run time on the first request, ~5 ms.
    /// </summary>
    private sealed class RouterApplication(RequestDelegate app) : IHttpApplication<RouterApplication.Context>
    {
        public readonly struct Context(DefaultHttpContext http)
        {
            public DefaultHttpContext Http { get; } = http;
        }

        public Context CreateContext(IFeatureCollection features)
        {
            if (features is IHostContextContainer<Context> container)
            {
                if (container.HostContext.Http is { } reused)
                {
                    reused.Initialize(features);
                    return container.HostContext;
                }
                container.HostContext = new Context(new DefaultHttpContext(features));
                return container.HostContext;
            }
            return new Context(new DefaultHttpContext(features));
        }

        public Task ProcessRequestAsync(Context context) => app(context.Http);

        public void DisposeContext(Context context, Exception? exception) => context.Http.Uninitialize();
    }

    /// <summary>
    /// The services UseKestrelCore and UseSockets register, collected through their only public door (the IWebHostBuilder
    /// extensions) with a builder that just forwards ConfigureServices. Two of them matter: the socket transport as the
    /// host configures it, over Kestrel's pinned block memory pool (the transport's public constructor falls back to
    /// MemoryPool.Shared, whose zero-size rentals make IBufferWriter.Write of a multi-block span throw), and the metrics
    /// HTTPS listeners ask for (an internal type).
    /// </summary>
    private static class KestrelServices
    {
        public static ServiceProvider Build(ILoggerFactory loggerFactory)
        {
            var services = new ServiceCollection();
            services.AddSingleton(loggerFactory);
            services.AddMetrics();
            new ServicesOnlyWebHostBuilder(services).UseKestrelCore().UseSockets();
            return services.BuildServiceProvider();
        }

#pragma warning disable ASPDEPR008 // IWebHostBuilder.Build returns the obsolete IWebHost; this builder never builds.
        private sealed class ServicesOnlyWebHostBuilder(IServiceCollection services) : IWebHostBuilder
        {
            public IWebHost Build() => throw new NotSupportedException("collects services only");
#pragma warning restore ASPDEPR008
            public IWebHostBuilder ConfigureAppConfiguration(Action<WebHostBuilderContext, Microsoft.Extensions.Configuration.IConfigurationBuilder> configure) => this;
            public IWebHostBuilder ConfigureServices(Action<IServiceCollection> configure) { configure(services); return this; }
            public IWebHostBuilder ConfigureServices(Action<WebHostBuilderContext, IServiceCollection> configure) { configure(new WebHostBuilderContext(), services); return this; }
            public string? GetSetting(string key) => null;
            public IWebHostBuilder UseSetting(string key, string? value) => this;
        }
    }
}
