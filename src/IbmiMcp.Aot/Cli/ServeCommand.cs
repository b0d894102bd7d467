using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Http;
using IbmiMcp.Mapepire;
using IbmiMcp.Mcp;
using IbmiMcp.Memory;
using IbmiMcp.Observability;
using IbmiMcp.Tools;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Cli;

/// <summary>
/// The composition root of `ibmi-mcp serve`: resolve and validate configuration (exit 1 naming every bad
/// setting), build each concern once, print the banner, serve until SIGTERM/SIGINT, then stop in order —
/// listener first, then sessions and pools, then the audit trail — and exit 0.
/// </summary>
internal static class ServeCommand
{
    /// <param name="flags">Settings given as flags, by environment-variable name (they win over the environment and .env).</param>
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> flags)
    {
        var stderr = Console.Error;
        var loaded = ConfigurationLoader.Load(flags);
        if (loaded.Errors.Count > 0)
            return Fail(stderr, "Invalid configuration:", loaded.Errors);
        var options = loaded.Options;
        var time = TimeProvider.System;

        // ── YAML tools load on another thread from here on, while the rest (logging too) is built (start-up,
        // bench/RESULTS.md issue 17); nothing serves before they are in.
        var toolsLoad = options.ToolsYamlPath is null ? null : Task.Run(() => ToolCatalogLoader.Load(options));

        using var loggerProvider = new StderrLoggerProvider(StderrLoggerProvider.Map(options.LogLevel));
        using var loggerFactory = StderrLoggerProvider.CreateFactory(loggerProvider, options.LogLevel);
        foreach (var warning in loaded.Warnings)
            stderr.WriteLine($"⚠ {warning}");

        // ── Mapepire: one TLS policy for every pool; the server pool opens on first use (readiness reports it).
        var tls = MapepireTlsPolicy.FromSettings(options.Db2iIgnoreUnauthorized, options.Db2iCaPath);
        // Before the first TLS connection: keep the system roots only if a client of this configuration verifies with them.
        // Client metadata documents (OAuth server) load the roots on their first fetch instead (ValidateWithSystemRoots).
        SystemTrustStore.UseOnlyIfNeeded(tls.UsesSystemRoots || options.AuthMode == AuthMode.OAuth
            || (options.SessionStore == SessionStoreKind.Redis && options.RedisCaPath is null
                && Auth.Sessions.RedisSessionBackend.UsesTls(options.Redis)));
        if (options.Db2iIgnoreUnauthorized)
            stderr.WriteLine("⚠ DB2i_IGNORE_UNAUTHORIZED=true: the Mapepire server's TLS certificate is not verified (set it to false, with DB2i_CA_PATH for a self-signed daemon)");
        await using var serverPool = options.ServerPoolConfigured && options.AuthMode != AuthMode.Ibmi
            ? new LazyMapepirePool(options.Db2iUser!, new MapepireEndpoint(options.Db2iHost!, options.Db2iPort, tls),
                () => new MapepireCredentials(options.Db2iUser!, options.Db2iPassword), MapepirePoolOptions.FromServer(options), loggerFactory)
            : null;

        if (!AuditLog.TryCreate(options, time, loggerFactory.CreateLogger("IbmiMcp.Audit"), out var auditLog, out var auditError))
            return Fail(stderr, "Invalid configuration:", [auditError!]);
        await using var telemetry = new TelemetryOwner(options, auditLog);
        HttpServer? listener = null;
        if (options.Transport == TransportKind.Http && !options.ListToolsets)
        {
            try { listener = HttpServer.Create(options, loggerFactory); }
            catch (Exception ex) when (IsListenFailure(ex)) { return CannotListen(stderr, options, ex); }
        }
        await using var server = listener;

        // A bad YAML file stops start-up with every error (file:line:column), never a 500 later.
        ToolCatalog? catalog = null;
        if (toolsLoad is not null)
        {
            var tools = await toolsLoad.ConfigureAwait(false);
            foreach (var warning in tools.Warnings)
                stderr.WriteLine($"⚠ {warning}");
            if (!tools.Success)
                return Fail(stderr, $"Cannot load YAML tools from {options.ToolsYamlPath}:", tools.Errors.Select(e => e.ToString()).ToList());
            catalog = tools.Catalog!;
            // Built-in tools win a name clash (CompositeToolSource); say so instead of hiding a YAML tool silently.
            foreach (var builtIn in BuiltInToolSource.FromOptions(options).ListTools())
                if (catalog.TryGetTool(builtIn.Name, out _))
                    stderr.WriteLine($"⚠ YAML tool '{builtIn.Name}' is hidden by the built-in tool of the same name; rename it to serve both");
            if (options.ListToolsets)
            {
                ToolsetLister.Write(catalog, Console.Out);
                return 0;
            }
        }

        using var watcher = catalog is null ? null : new ToolCatalogWatcher(catalog, ToolLoadSettings.From(options), loggerFactory.CreateLogger("IbmiMcp.Tools"));
        if (watcher is not null && options.YamlAutoReload)
            watcher.Start();
        var toolSource = McpToolSources.Create(options, watcher, loggerFactory);
        telemetry.TrackTools(toolSource);

        if (options.Transport == TransportKind.Stdio)
            return await RunStdioAsync(options, loggerFactory, toolSource, serverPool, stderr, catalog, telemetry.Telemetry).ConfigureAwait(false);

        // ── IBM i HTTP auth (keys, tokens, sign-on limiter, reaper).
        IbmiAuthService? auth = null;
        if (options.HttpAuthEnabled)
        {
            var (created, authErrors) = await IbmiAuthService.CreateAsync(options, loggerFactory, time,
                new MapepireSessionPoolFactory(options, tls, loggerFactory), telemetry.Telemetry).ConfigureAwait(false);
            if (created is null)
                return Fail(stderr, "Cannot enable IBM i HTTP authentication:", authErrors);
            auth = created;
        }
        await using var authOwner = auth;

        // oauth: the protected resource metadata (RFC 9728) MCP clients discover their authorization server from.
        ProtectedResourceMetadata? resourceMetadata = null;
        if (options.AuthMode == AuthMode.OAuth && options.OAuthAudience is not null && options.OAuthIssuerUrl is not null)
        {
            resourceMetadata = new ProtectedResourceMetadata(options.OAuthAudience, options.OAuthIssuerUrl, options.ServerName, () => toolSource.Access.Scopes);
            if (ProtectedResourceMetadata.MetadataUrlOf(options.OAuthAudience) is null)
                stderr.WriteLine($"⚠ OAUTH_AUDIENCE '{options.OAuthAudience}' is not a URL: MCP clients request tokens for this server's public MCP URL " +
                    "(RFC 8707), advertised as the resource in /.well-known/oauth-protected-resource; set OAUTH_AUDIENCE to it, e.g. https://mcp.example.com/mcp");
        }

        // IBMI_AUTH_OAUTH_SERVER: this server is also the authorization server of its own /mcp (docs/oauth-server.md).
        OAuth.OAuthSettings? oauthSettings = null;
        if (options.OAuthServer && auth is not null)
        {
            var oauthProblems = new List<string>();
            oauthSettings = OAuth.OAuthSettings.From(options, options.HttpPort, oauthProblems);
            if (oauthProblems.Count > 0) return Fail(stderr, "Cannot start the OAuth authorization server:", oauthProblems);
            resourceMetadata = new ProtectedResourceMetadata(oauthSettings.Resource, oauthSettings.Issuer.AbsoluteUri, options.ServerName, () => toolSource.Access.Scopes);
        }

        IMcpAuthenticator authenticator;
        try { authenticator = McpAuthenticators.Create(options, serverPool, auth?.Bearer, loggerFactory, metadata: resourceMetadata); }
        catch (InvalidOperationException ex) { return Fail(stderr, "Invalid configuration:", [ex.Message]); }

        var checks = new List<HealthCheck> { ReadinessChecks.Configuration() };
        if (auth is not null)
        {
            checks.Add(ReadinessChecks.Keys(() => auth.Keys.KeyIds.Count()));
            // Token pools are every live pool except the server pool (which ibmi mode does not open).
            checks.Add(ReadinessChecks.Sessions(() => new SessionSummary(auth.Tokens.Count,
                MapepirePool.TotalStatistics().Total - (serverPool?.Current?.Statistics.Total ?? 0))));
            telemetry.Telemetry.Metrics.ObserveSessions(() => auth.Tokens.Count);
            if (auth.Tokens is Auth.Sessions.RedisTokenStore shared)
                checks.Add(ReadinessChecks.SessionStore(async _ =>
                {
                    try { return await shared.CountAllAsync().ConfigureAwait(false); }
                    catch (Auth.Sessions.SessionStoreUnavailableException) { return null; }
                }, time));
        }
        if (watcher is not null)
            checks.Add(ReadinessChecks.Tools(() => watcher.Current.ToolList.Count));
        if (serverPool is not null)
        {
            checks.Add(ReadinessChecks.ServerPool(async ct =>
            {
                var pool = await serverPool.GetPoolAsync(ct).ConfigureAwait(false);
                await pool.CheckHealthAsync(ct).ConfigureAwait(false);
                return true;
            }, time));
        }
        telemetry.Telemetry.Metrics.ObservePools(() => PoolGauges.From(MapepirePool.TotalStatistics()));
        var health = new HealthEndpoint(checks, options.ServerVersion, time);

        var events = Mcp.Resumability.McpEventStore.Create(options, auth?.Redis, auth?.Sealer, loggerFactory);
        await using var mcp = new McpHttpEndpoint(options, loggerFactory, toolSource, authenticator, time, telemetry.Telemetry, events);
        var metricsEndpoint = options.MetricsEnabled ? new MetricsEndpoint(telemetry.Telemetry.Metrics) : null;
        await using var oauth = oauthSettings is null ? null
            : OAuth.OAuthServer.Create(oauthSettings, auth!, Auth.ProxyTrust.Parse(options.TrustedProxies, []), options.Db2iHost ?? "localhost", loggerFactory);
        var router = new Router(new RouteHandlers
        {
            OAuth = oauth is null ? null : oauth.TryHandleAsync,
            Health = health.HandleAsync,
            Mcp = mcp.HandleAsync,
            PublicKey = auth is null ? null : auth.Endpoints.PublicKeyAsync,
            SignOn = auth is null ? null : auth.Endpoints.SignOnAsync,
            SignOut = auth is null ? null : auth.Endpoints.SignOutAsync,
            Metrics = metricsEndpoint is null ? null : metricsEndpoint.HandleAsync,
            ResourceMetadata = resourceMetadata is null ? null : resourceMetadata.HandleAsync,
            Observe = options.MetricsEnabled ? telemetry.Telemetry.Metrics.RecordHttpRequest : null,
        }, options.HttpEndpointPath, loggerFactory.CreateLogger<Router>());

        try
        {
            await server!.StartAsync(router.HandleAsync, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsListenFailure(ex))
        {
            return CannotListen(stderr, options, ex);
        }

        var scheme = options.HttpsEnabled ? "https" : "http";
        var address = (server!.Addresses.FirstOrDefault() ?? $"{scheme}://{options.HttpHost}:{options.HttpPort}").TrimEnd('/');
        if (options.EnvFilePath is not null)
            stderr.WriteLine($"✓ Configuration loaded from {options.EnvFilePath}");
        if (auth is not null)
        {
            stderr.WriteLine("✓ IBM i HTTP authentication enabled");
            if (auth.Redis is { } redis)
                stderr.WriteLine($"✓ Session store: redis (prefix {options.RedisPrefix}, {(redis.IsConnected ? "connected" : "not reachable yet: sign-on answers 503 until it is")})");
            stderr.WriteLine($"✓ Public key loaded from {options.AuthPublicKeyPath} (key id: {auth.Keys.ActiveKeyId})");
            if (options.AuthAllowHttp)
                stderr.WriteLine("⚠ IBMI_AUTH_ALLOW_HTTP=true: credentials may be sent over plain HTTP (use only on loopback or behind TLS)");
        }
        if (catalog is not null)
            stderr.WriteLine($"✓ {catalog.ToolList.Count} YAML tools in {catalog.ToolsetList.Count} toolsets from {options.ToolsYamlPath}");
        if (events is not null && options.SessionMode != SessionMode.Stateless)
            stderr.WriteLine(events.Shared
                ? $"✓ Resumable streams: events in redis, sealed, kept {options.SseEventRetentionSeconds} s (any replica resumes)"
                : $"✓ Resumable streams: events in memory (up to {options.SseEventStoreMaxBytes / (1024 * 1024)} MiB), kept {options.SseEventRetentionSeconds} s");
        if (options.AuditLog is not null)
            stderr.WriteLine($"✓ Audit trail: {options.AuditLog}");
        if (options.MetricsEnabled)
            stderr.WriteLine($"✓ Metrics: {address}/metrics");
        stderr.WriteLine("✓ Server ready!");
        stderr.WriteLine("  Transport: http");
        stderr.WriteLine($"  Host:      {new Uri(address).Authority}");
        stderr.WriteLine($"  Endpoint:  {address}{options.HttpEndpointPath}");
        stderr.WriteLine($"  Auth:      {options.AuthMode.ToString().ToLowerInvariant()}");

        // Started once serving: a burst's memory goes back to the system when the server is quiet again.
        await using var trimmer = IdleMemoryTrimmer.Start(options.MemoryTrimIntervalMs, loggerFactory);
        await server.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> RunStdioAsync(ServerOptions options, ILoggerFactory loggerFactory, IToolSource tools, ISqlRunner? serverPool,
        TextWriter stderr, ToolCatalog? catalog, Telemetry telemetry)
    {
        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        if (catalog is not null)
            stderr.WriteLine($"✓ {catalog.ToolList.Count} YAML tools in {catalog.ToolsetList.Count} toolsets from {options.ToolsYamlPath}");
        stderr.WriteLine("✓ Server ready!");
        stderr.WriteLine("  Transport: stdio");
        stderr.WriteLine($"  Auth:      {(serverPool is null ? "none (no DB2i_HOST/USER/PASS: tools answer an error)" : $"server pool as {serverPool.User}")}");
        try
        {
            await new McpStdioHost(options, loggerFactory, tools, serverPool, telemetry).RunAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
        return 0;
    }

    /// <summary>A port in use or not ours, an address not on this host, a certificate or key that does not load.</summary>
    private static bool IsListenFailure(Exception ex) => ex is IOException or System.Net.Sockets.SocketException
        or InvalidOperationException or System.Security.Cryptography.CryptographicException;

    private static int CannotListen(TextWriter stderr, ServerOptions options, Exception ex)
    {
        stderr.WriteLine($"✗ Cannot listen on {options.HttpHost}:{options.HttpPort}: {ex.Message}");
        return 1;
    }

    private static int Fail(TextWriter stderr, string title, IReadOnlyList<string> errors)
    {
        stderr.WriteLine($"✗ {title}");
        foreach (var error in errors)
            stderr.WriteLine($"  - {error}");
        return 1;
    }

    /// <summary>Audit trail + metrics for the server's lifetime; disposing flushes the audit queue.</summary>
    private sealed class TelemetryOwner : IAsyncDisposable
    {
        public TelemetryOwner(ServerOptions options, IAuditLog audit)
        {
            Telemetry = new Telemetry(audit, ServerMetrics.Create(options));
            Telemetry.Metrics.ObservePoolWaits(() => MapepirePool.TotalWaits);
        }

        public Telemetry Telemetry { get; }

        /// <summary>Tool labels follow the advertised tools (catalog reloads included); other names count as "other".</summary>
        public void TrackTools(IToolSource tools)
        {
            Telemetry.Metrics.SetToolNames(tools.ListTools().Select(t => t.Name));
            tools.Changed += () => Telemetry.Metrics.SetToolNames(tools.ListTools().Select(t => t.Name));
        }

        public async ValueTask DisposeAsync()
        {
            if (Telemetry.Audit is IAsyncDisposable a) await a.DisposeAsync().ConfigureAwait(false);
            else if (Telemetry.Audit is IDisposable d) d.Dispose();
            if (!ReferenceEquals(Telemetry.Metrics, ServerMetrics.Disabled)) Telemetry.Metrics.Dispose();
        }
    }
}
